import { SendRawEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { OutgoingMail, SentMail } from '../domain/outgoing';
import type { Mailer } from '../ports';

/** Builds the MIME bytes of a mail with nodemailer's MailComposer: it encodes headers (no CRLF injection) and bodies. */
export function buildMime(mail: OutgoingMail): Promise<Buffer> {
  const composer = new MailComposer({
    from: { name: mail.from.name, address: mail.from.address },
    to: mail.to,
    cc: mail.cc,
    replyTo: mail.replyTo,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: mail.messageId,
    inReplyTo: mail.inReplyTo,
    references: mail.references,
    headers: mail.headers,
    attachments: mail.attachments?.map((a) => ({
      filename: a.filename,
      content: a.content,
      contentType: a.contentType,
      cid: a.contentId,
    })),
    // Our own mail never carries a Bcc header to the recipients.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return new Promise((resolve, reject) =>
    composer.compile().build((err, message) => (err ? reject(err) : resolve(message))),
  );
}

/**
 * Sends through SES SendRawEmail (raw, because we set threading and Auto-Submitted headers and carry attachments).
 * SES assigns its own Message-ID; the one recipients see is returned for threading.
 */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESClient,
    private readonly configurationSet: string | undefined,
    private readonly region: string,
  ) {}

  async send(mail: OutgoingMail): Promise<SentMail> {
    const data = await buildMime(mail);
    const destinations = [...new Set([...mail.to, ...(mail.cc ?? [])])];
    const result = await this.client.send(
      new SendRawEmailCommand({
        Source: mail.from.address,
        Destinations: destinations,
        RawMessage: { Data: data },
        ConfigurationSetName: this.configurationSet,
      }),
    );
    const sesMessageId = result.MessageId!;
    // SES writes `<id@REGION.amazonses.com>` in most regions and `<id@email.amazonses.com>` in us-east-1.
    const host = this.region === 'us-east-1' ? 'email.amazonses.com' : `${this.region}.amazonses.com`;
    return { sesMessageId, deliveredMessageId: `<${sesMessageId}@${host}>` };
  }
}
