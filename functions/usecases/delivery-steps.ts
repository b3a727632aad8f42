import type { InboundMail } from '../domain/mail';
import type { OutgoingMail, SentMail } from '../domain/outgoing';
import type { TicketMessage } from '../domain/ticket';
import { randomUUID } from 'node:crypto';
import type { DeliveryLedger, DeliveryStep, LimitDecision, Mailer, TicketRepository } from '../ports';

/** DynamoDB items hold 400 KB; a message keeps this much text, the rest stays in the raw mail in S3. */
export const MAX_STORED_TEXT = 64 * 1024;

/** Cuts text to what a DynamoDB item can hold, saying whether it did. */
export function cut(text: string): { text: string; textTruncated: boolean } {
  return text.length > MAX_STORED_TEXT
    ? { text: text.slice(0, MAX_STORED_TEXT), textTruncated: true }
    : { text, textTruncated: false };
}

/** The conversation record of a mail we received (`rawKey` is where its bytes stay). */
export function inboundRecord(
  ticketId: string,
  kind: string,
  mail: InboundMail,
  rawKey: string,
  arrivedAt: Date,
  extra: Partial<TicketMessage> = {},
): TicketMessage {
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
    attachments: (mail.attachments ?? []).map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      size: a.size,
    })),
  };
}

/** An automatic-reply budget: `take` before sending, `giveBack` if the mail could not be sent. */
export interface SendLimit {
  take(): Promise<LimitDecision>;
  giveBack(): Promise<void>;
}

/**
 * Side effects of one delivered mail that must happen at most once, however often the delivery is
 * retried. Each attempt claims the step, and marks it `sending` just before handing the mail to
 * SES; a step whose attempt failed before that point is taken over by the next attempt, so a
 * failure of DynamoDB or of a look-up costs a retry, never the mail. Once `sending` is marked the
 * step is never repeated: if SES failed and the give-back failed too, that one mail stays unsent
 * rather than risk sending it twice.
 */
export class DeliverySteps {
  constructor(
    private readonly ledger: DeliveryLedger,
    private readonly repository: TicketRepository,
    private readonly mailer: Mailer,
    private readonly now: () => Date,
  ) {}

  /**
   * Sends the composed mail unless this delivery already did (or a limit refuses it, or every
   * recipient is suppressed: the reason is recorded on the ticket and returned). Sent mail is
   * recorded on the ticket and its Message-IDs (ours and the one SES assigned) are indexed.
   * With `onTicket: false` (mail about no single ticket, e.g. the answer to a status request) nothing
   * is recorded on a ticket; the delivery record still makes the mail go out at most once.
   */
  async sendOnce(
    dedupeKey: string,
    step: DeliveryStep,
    done: readonly string[],
    compose: () => OutgoingMail | Promise<OutgoingMail>,
    limit?: SendLimit,
    { onTicket = true }: { onTicket?: boolean } = {},
  ): Promise<{ sent: boolean; limited?: string }> {
    const { ledger, repository, mailer } = this;
    if (done.includes(step)) return { sent: false };
    // Everything that may fail and can simply be retried happens before the claim.
    const mail = await compose();
    await mailer.screen?.(mail);
    const attempt = randomUUID();
    if (!(await ledger.beginStep(dedupeKey, step, attempt, this.now()))) return { sent: false };

    let charged = false;
    let sent: SentMail;
    try {
      const decision = limit ? await limit.take() : ({ allowed: true } as const);
      if (!decision.allowed) {
        await ledger.finishStep(dedupeKey, step, `limited: ${decision.limit}`);
        if (onTicket)
          await repository.addMessage({
            ...outgoingRecord(mail, this.now()),
            kind: `${mail.kind}-suppressed`,
            text: `Not sent: ${decision.limit}.`,
            textTruncated: false,
          });
        return { sent: false, limited: decision.limit };
      }
      charged = Boolean(limit);
      if (!(await ledger.markSending(dedupeKey, step, attempt, this.now()))) {
        if (charged) await limit!.giveBack();
        return { sent: false }; // another attempt took the step over and sends it
      }
      sent = await mailer.send(mail);
    } catch (err) {
      // The mail was not accepted: give the step (and the budget) back, so the next attempt sends it.
      // DynamoDB may be what failed, so keep trying for a while; if it stays down, the next attempt
      // finds the step as we left it and, to never send twice, does not send.
      await giveBackPatiently(async () => {
        if (charged) await limit!.giveBack();
        charged = false;
        await ledger.abandonStep(dedupeKey, step, attempt);
      });
      throw err;
    }
    const delivered = sent.sesMessageId ? sent.deliveredMessageId : undefined;
    await ledger.finishStep(dedupeKey, step, delivered ?? `suppressed: ${(sent.suppressed ?? []).join(', ')}`);
    if (!delivered) {
      // every recipient is on the suppression list: nothing went out
      if (onTicket)
        await repository.addMessage({
          ...outgoingRecord(mail, this.now()),
          kind: `${mail.kind}-suppressed`,
          text: `Not sent: ${(sent.suppressed ?? []).join(', ')} on the suppression list (bounced or complained).`,
          textTruncated: false,
        });
      return { sent: false, limited: 'every recipient is on the suppression list' };
    }
    if (!onTicket) return { sent: true };
    const suppressed = new Set(sent.suppressed ?? []);
    const record = outgoingRecord(mail, this.now(), sent);
    await repository.addMessageWithIds(
      { ...record, to: record.to.filter((a) => !suppressed.has(a)), cc: record.cc.filter((a) => !suppressed.has(a)) },
      [delivered, mail.messageId],
    );
    return { sent: true };
  }
}

/** Rounds and spacing for giving a failed step back (on top of the SDK's own retries of each call). */
const GIVE_BACK_ROUNDS = 4;
const GIVE_BACK_PAUSE_MS = 2_000;

async function giveBackPatiently(giveBack: () => Promise<void>): Promise<void> {
  for (let round = 1; round <= GIVE_BACK_ROUNDS; round++) {
    try {
      await giveBack();
      return;
    } catch {
      if (round < GIVE_BACK_ROUNDS) await new Promise((resolve) => setTimeout(resolve, GIVE_BACK_PAUSE_MS * round));
    }
  }
}
