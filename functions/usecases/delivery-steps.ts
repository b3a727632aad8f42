import type { InboundMail } from '../domain/mail';
import type { OutgoingMail, SentMail } from '../domain/outgoing';
import type { TicketMessage } from '../domain/ticket';
import type { DeliveryStep, LimitDecision, Mailer, TicketRepository } from '../ports';

/** DynamoDB items hold 400 KB; a message keeps this much text, the rest stays in the raw mail in S3. */
export const MAX_STORED_TEXT = 64 * 1024;

/** Cuts text to what a DynamoDB item can hold, saying whether it did. */
export function cut(text: string): { text: string; textTruncated: boolean } {
  return text.length > MAX_STORED_TEXT ? { text: text.slice(0, MAX_STORED_TEXT), textTruncated: true } : { text, textTruncated: false };
}

/** The conversation record of a mail we received (`rawKey` is where its bytes stay). */
export function inboundRecord(ticketId: string, kind: string, mail: InboundMail, rawKey: string, arrivedAt: Date, extra: Partial<TicketMessage> = {}): TicketMessage {
  return {
    ticketId,
    direction: 'in',
    kind,
    at: arrivedAt.toISOString(),
    from: mail.from!.address,
    to: mail.to.map((a) => a.address),
    cc: mail.cc.map((a) => a.address),
    subject: mail.subject,
    ...cut(mail.text),
    messageId: mail.messageId,
    rawKey,
    attachments: mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size })),
    ...extra,
  };
}

/** The conversation record of a mail we send. */
export function outgoingRecord(mail: OutgoingMail, at: Date, sent?: SentMail): TicketMessage {
  return {
    ticketId: mail.ticketId,
    direction: 'out',
    kind: mail.kind,
    at: at.toISOString(),
    from: mail.from.address,
    to: mail.to,
    cc: mail.cc ?? [],
    subject: mail.subject,
    ...cut(mail.text),
    messageId: sent?.deliveredMessageId,
    attachments: (mail.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size })),
  };
}

/**
 * Side effects of one delivered mail that must happen at most once, however often the delivery is
 * retried: each step is claimed in the delivery record before it runs and given back if it fails.
 */
export class DeliverySteps {
  constructor(
    private readonly repository: TicketRepository,
    private readonly mailer: Mailer,
    private readonly now: () => Date,
  ) {}

  /**
   * Sends the composed mail unless this delivery already did (or a limit refuses it: the refusal is
   * recorded on the ticket and returned). Sent mail is recorded on the ticket and its Message-IDs
   * (ours and the one SES assigned) are indexed for threading.
   */
  async sendOnce(dedupeKey: string, step: DeliveryStep, done: readonly string[], compose: () => OutgoingMail | Promise<OutgoingMail>, limit?: () => Promise<LimitDecision>): Promise<{ sent: boolean; limited?: string }> {
    const { repository, mailer } = this;
    if (done.includes(step) || !(await repository.beginStep(dedupeKey, step, this.now()))) return { sent: false };
    let sent: SentMail;
    let mail: OutgoingMail;
    try {
      mail = await compose();
      const decision = limit ? await limit() : ({ allowed: true } as const);
      if (!decision.allowed) {
        await repository.finishStep(dedupeKey, step, `limited: ${decision.limit}`);
        await repository.addMessage({ ...outgoingRecord(mail, this.now()), kind: `${mail.kind}-suppressed`, text: `Not sent: ${decision.limit}.`, textTruncated: false });
        return { sent: false, limited: decision.limit };
      }
      sent = await mailer.send(mail);
    } catch (err) {
      await repository.abandonStep(dedupeKey, step);
      throw err;
    }
    await repository.finishStep(dedupeKey, step, sent.deliveredMessageId);
    await repository.indexMessageId(sent.deliveredMessageId, mail.ticketId);
    await repository.indexMessageId(mail.messageId, mail.ticketId);
    await repository.addMessage(outgoingRecord(mail, this.now(), sent));
    return { sent: true };
  }
}
