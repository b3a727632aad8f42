import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { TriageConfig } from '../../functions/domain/config';
import type { Activity } from './activity';
import { isAddressInUse, listen } from './listen';
import { newInboundMessageId, sesReceiptHeaders, verdictsFor } from './receipt-headers';
import { ruleMatches, s3TargetsFor, type LocalReceiptRule } from './receipt-rules';

/**
 * The inbound side of SES, locally: an SMTP server on 127.0.0.1 that accepts what the stack's receipt
 * rules accept (receipt-rules.ts: department addresses, the general address, any address at the reply
 * domain) and answers 550 5.1.1 for anything else. On DATA it does what SES receiving does: prepends
 * Return-Path, Received, the verdict and authentication headers (receipt-headers.ts), then writes the
 * raw mail to S3 once per receipt rule that matched (`inbound/<address lower-case>/<id>` per address,
 * `replies/<id>` once), and replies 250 only after every put succeeded; a failed put gives 451 so the
 * client retries.
 * STARTTLS is off (smtp-server's bundled certificate is expired); AUTH is optional and accepts anything.
 */

/** SES receiving accepts messages up to 40 MB. */
export const MAX_MESSAGE_BYTES = 40 * 1024 * 1024;

export interface LocalSmtp {
  port: number;
  stop(): Promise<void>;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export interface StoredMail {
  messageId: string;
  keys: string[];
  mailFrom: string;
  recipients: string[];
}

export async function startSmtp(options: {
  port: number;
  config: TriageConfig;
  s3: S3Client;
  /** the receipt rules (receipt-rules.ts): what is accepted, and where it is stored */
  rules: LocalReceiptRule[];
  activity: Activity;
  log: (line: string) => void;
  onStored?: (mail: StoredMail) => void;
}): Promise<LocalSmtp> {
  const { config, s3, rules, activity, log } = options;

  const onRcptTo = (
    address: SMTPServerAddress,
    _session: SMTPServerSession,
    callback: (err?: Error | null) => void,
  ) => {
    if (rules.some((rule) => ruleMatches(rule, address.address))) return callback();
    log(`smtp  rejected RCPT TO <${address.address}>: not an address of this stack`);
    callback(
      smtpError(
        550,
        `5.1.1 <${address.address}>: Recipient address rejected: not a department address, the general address (${config.generalAddress}) or an address at ${config.replyDomain}`,
      ),
    );
  };

  const onData = (
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null, message?: string) => void,
  ) => {
    const end = activity.begin();
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', (err) => {
      end();
      callback(err);
    });
    stream.on('end', async () => {
      try {
        if (stream.sizeExceeded)
          return callback(smtpError(552, `5.3.4 Message too big: SES accepts at most ${MAX_MESSAGE_BYTES} bytes`));
        const raw = Buffer.concat(chunks);
        const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const recipients = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        const messageId = newInboundMessageId();
        const { verdicts, problems } = verdictsFor(raw);
        for (const p of problems) log(`smtp  ${p}`);
        const headers = sesReceiptHeaders(raw, {
          mailFrom,
          recipients,
          helo: session.hostNameAppearsAs || 'unknown',
          clientHostname: session.clientHostname || 'unknown',
          clientIp: session.remoteAddress?.replace(/^::ffff:/, '') || '127.0.0.1',
          messageId,
          verdicts,
        });
        const body = Buffer.concat([Buffer.from(headers, 'latin1'), raw]);
        const targets = s3TargetsFor(rules, recipients);
        const keys = targets.map((t) => `${t.prefix}${messageId}`);
        for (const t of targets)
          await s3.send(
            new PutObjectCommand({
              Bucket: t.bucket,
              Key: `${t.prefix}${messageId}`,
              Body: body,
              ContentType: 'message/rfc822',
            }),
          );
        const nonPass = Object.entries(verdicts).filter(([, v]) => v !== 'PASS');
        log(
          `smtp  ${mailFrom || '<>'} -> ${recipients.join(', ')}  stored ${keys.join(', ')}${nonPass.length ? `  verdicts ${nonPass.map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`,
        );
        options.onStored?.({ messageId, keys, mailFrom, recipients });
        callback(null, `Ok ${messageId}`);
      } catch (err) {
        log(`smtp  could not store the message: ${(err as Error).message}`);
        callback(smtpError(451, '4.3.0 Temporary failure storing the message, try again later'));
      } finally {
        end();
      }
    });
  };

  const server = new SMTPServer({
    name: 'inbound-smtp.local',
    banner: 'email triage local stack (Amazon SES receiving emulator)',
    disabledCommands: ['STARTTLS'],
    hideSTARTTLS: true,
    authOptional: true,
    allowInsecureAuth: true,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? 'local' }),
    size: MAX_MESSAGE_BYTES,
    logger: false,
    closeTimeout: 2000,
    onRcptTo,
    onData,
  });
  server.on('error', (err: Error) => {
    if (!isAddressInUse(err)) log(`smtp  error: ${err.message}`);
  });
  const port = await listen(server.server, options.port, 'smtp');
  let stopped: Promise<void> | undefined;
  return { port, stop: () => (stopped ??= new Promise<void>((resolve) => server.close(() => resolve()))) };
}
