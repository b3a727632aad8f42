import {
  deliveredMessageIdCandidates,
  describeFeedback,
  feedbackAction,
  parseSesNotification,
  TRANSIENT_BOUNCE_POLICY,
  type SesFeedback,
} from '../domain/ses-feedback';
import type { TicketMessage } from '../domain/ticket';
import type { TicketRepository } from '../ports';
import type { SuppressionList } from '../ports/suppression-list';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface FeedbackDependencies {
  suppressions: SuppressionList;
  repository: Pick<TicketRepository, 'findTicketByMessageId' | 'getTicket' | 'listMessages' | 'addMessage'>;
  /** The region the function runs in (SES's Message-ID domain depends on it) when the notification does not say. */
  region: string;
}

/** What happened to one recipient of a notification. */
export interface RecipientEffect {
  address: string;
  /** `suppressed`; `counted` (a transient bounce below the threshold); `noted` (recorded on the ticket only). */
  action: 'suppressed' | 'counted' | 'noted';
  /** For transient bounces: how many within the window, this one included. */
  transientBounces?: number;
  until?: string;
}

/** The result of one SNS message; the feedback function logs it. */
export type FeedbackOutcome =
  | { outcome: 'ignored'; reason: string }
  | {
      outcome: 'recorded';
      kind: SesFeedback['kind'];
      type: string;
      feedbackId: string;
      sesMessageId: string;
      recipients: RecipientEffect[];
      /** The ticket the bounced or complained-about mail belonged to, when found. */
      ticketId?: string;
      reason: string;
    };

/**
 * Acts on an SES bounce or complaint: suppresses the addresses the policy says to suppress (see
 * `feedbackAction` and `TRANSIENT_BOUNCE_POLICY` in domain/ses-feedback.ts) and notes the
 * bounce or complaint on the ticket the mail belonged to (found by the Message-ID SES gave it, which
 * the inbound and timer functions index). Safe to run twice for the same notification (SNS delivers
 * at least once): the suppression is the same, the transient bounce counts once (keyed by its
 * feedback id), the ticket message is written under the same key.
 *
 * Primary course:
 * 1. Parse the SNS message; anything but a bounce or complaint is ignored.
 * 2. Apply the policy to each recipient: suppress, count a transient bounce (suppressing after too
 *    many), or only note it.
 * 3. Find the ticket of the mail (by the Message-ID SES gave it, else by our ticket header).
 * 4. Note the bounce or complaint, and what it changed, on that ticket.
 */
export class RecordSesFeedback {
  constructor(private readonly deps: FeedbackDependencies) {}

  async execute(message: string): Promise<FeedbackOutcome> {
    const parsed = parseSesNotification(message);
    if ('ignored' in parsed) return { outcome: 'ignored', reason: parsed.ignored };
    const feedback = parsed.feedback;
    const recipients = await this.applyPolicy(feedback);

    const found = await this.findTicket(feedback);
    const effects = recipients.map((r) =>
      r.action === 'suppressed'
        ? `${r.address} is suppressed${r.until ? ` until ${r.until}` : ''}: nothing more is sent to it${r.until ? ' before then' : ' until an operator lifts it'}.`
        : r.action === 'counted'
          ? `${r.address}: transient bounce ${r.transientBounces} of ${TRANSIENT_BOUNCE_POLICY.bounces} within ${TRANSIENT_BOUNCE_POLICY.windowDays} days before it is suppressed.`
          : `${r.address}: noted only (${feedback.kind === 'complaint' ? 'the recipient said it is not spam' : 'the bounce is about the message, not the address'}).`,
    );
    if (found) await this.deps.repository.addMessage(this.ticketMessage(found.ticketId, found.kind, feedback, effects));
    const summary = recipients.map((r) => `${r.address} ${r.action}`).join(', ');
    return {
      outcome: 'recorded',
      kind: feedback.kind,
      type: feedback.type,
      feedbackId: feedback.feedbackId,
      sesMessageId: feedback.sesMessageId,
      recipients,
      ticketId: found?.ticketId,
      reason: `${feedback.kind} (${feedback.type}${feedback.subType ? `/${feedback.subType}` : ''}): ${summary}${found ? `; noted on ${found.ticketId}` : '; no ticket knows this mail'}`,
    };
  }

  private async applyPolicy(feedback: SesFeedback): Promise<RecipientEffect[]> {
    const { suppressions } = this.deps;
    const action = feedbackAction(feedback);
    const label =
      feedback.kind === 'bounce'
        ? `${feedback.type} bounce${feedback.subType ? ` (${feedback.subType})` : ''}`
        : `complaint (${feedback.type})`;
    const out: RecipientEffect[] = [];
    for (const r of feedback.recipients) {
      const detail = [label, r.status, r.diagnosticCode].filter(Boolean).join(': ');
      if (action === 'note') {
        out.push({ address: r.address, action: 'noted' });
      } else if (action === 'suppress') {
        await suppressions.suppress({
          address: r.address,
          reason: feedback.kind,
          detail,
          since: feedback.at,
          feedbackId: feedback.feedbackId,
        });
        out.push({ address: r.address, action: 'suppressed' });
      } else {
        const at = new Date(feedback.at);
        const count = await suppressions.recordTransientBounce(
          r.address,
          feedback.feedbackId,
          at,
          TRANSIENT_BOUNCE_POLICY.windowDays * DAY_MS,
        );
        if (count >= TRANSIENT_BOUNCE_POLICY.bounces) {
          const until = new Date(at.getTime() + TRANSIENT_BOUNCE_POLICY.suppressDays * DAY_MS).toISOString();
          await suppressions.suppress({
            address: r.address,
            reason: 'transient-bounces',
            detail: `${count} transient bounces within ${TRANSIENT_BOUNCE_POLICY.windowDays} days; last: ${detail}`,
            since: feedback.at,
            until,
            feedbackId: feedback.feedbackId,
          });
          out.push({ address: r.address, action: 'suppressed', transientBounces: count, until });
        } else {
          out.push({ address: r.address, action: 'counted', transientBounces: count });
        }
      }
    }
    return out;
  }

  /** The ticket of the mail: by the Message-ID recipients saw, else by our X-Triage-Ticket header (when SES passed the headers). */
  private async findTicket(feedback: SesFeedback): Promise<{ ticketId: string; kind?: string } | undefined> {
    const { repository } = this.deps;
    for (const messageId of deliveredMessageIdCandidates(feedback.sesMessageId, feedback.region ?? this.deps.region)) {
      const ticketId = await repository.findTicketByMessageId(messageId);
      if (!ticketId) continue;
      const sent = (await repository.listMessages(ticketId)).find(
        (m) => m.direction === 'out' && m.messageId?.toLowerCase() === messageId.toLowerCase(),
      );
      return { ticketId, kind: sent?.kind };
    }
    if (feedback.ticketHeader && (await repository.getTicket(feedback.ticketHeader)))
      return { ticketId: feedback.ticketHeader };
    return undefined;
  }

  private ticketMessage(
    ticketId: string,
    sentKind: string | undefined,
    feedback: SesFeedback,
    effects: string[],
  ): TicketMessage {
    const what =
      sentKind === 'ack'
        ? 'our acknowledgement'
        : sentKind === 'agent-copy'
          ? "the agents' copy"
          : sentKind
            ? `our ${sentKind} mail`
            : 'our mail';
    return {
      ticketId,
      direction: 'in',
      kind: feedback.kind,
      at: feedback.at,
      from: feedback.kind === 'bounce' ? 'MAILER-DAEMON (Amazon SES)' : 'complaint feedback (Amazon SES)',
      to: feedback.recipients.map((r) => r.address),
      cc: [],
      subject: `${feedback.kind === 'bounce' ? `${feedback.type} bounce` : 'Complaint'}: ${feedback.subject ?? '(subject not reported)'}`,
      text: describeFeedback(feedback, what, effects),
      textTruncated: false,
      // the same notification delivered twice writes the same item
      messageId: `<${feedback.feedbackId}@feedback.amazonses.com>`,
      attachments: [],
    };
  }
}
