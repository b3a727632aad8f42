import { randomUUID } from 'node:crypto';
import { splitAttachments } from '../domain/attachments';
import { composeAcknowledgement, composeAgentCopy } from '../domain/compose';
import type { Department, TriageConfig } from '../domain/config';
import { replyAddress } from '../domain/reply-token';
import type { TemplateRegistry } from '../domain/templates';
import { formatTicketId, type Ticket } from '../domain/ticket';
import { awaitingResponsePlan, responseDue } from '../domain/timers';
import { decideNewMail, ticketFieldsOf } from '../domain/triage-decision';
import type { Verdicts } from '../domain/verdicts';
import { statusUrl } from '../domain/web-links';
import type {
  AttachmentStore,
  AutoReplyLimiter,
  DeliveryLedger,
  ObjectOutcome,
  Quarantine,
  SecretSource,
  TicketRepository,
  TimerScheduler,
} from '../ports';
import type { CustomerDirectory } from '../ports/customers';
import type { ConversationContext } from './conversation';
import { inboundRecord, type DeliverySteps } from './delivery-steps';

export interface OpenTicketDependencies {
  config: TriageConfig;
  templates: TemplateRegistry;
  repository: TicketRepository;
  ledger: DeliveryLedger;
  steps: DeliverySteps;
  secrets: SecretSource;
  limiter: AutoReplyLimiter;
  quarantine: Quarantine;
  timers: TimerScheduler;
  /** Public base URL of the web function: the ack links the ticket's status page. Without it, no link. */
  webBaseUrl?: string;
  /** Keeps attachments too large to forward (linked instead). Without it every attachment is forwarded as is. */
  attachments?: AttachmentStore;
  /** Customer records: the new ticket is filed under its customer's address. */
  customers?: CustomerDirectory;
  /** Our own addresses (departments, general, reply domain): never a participant of a ticket. */
  isOwnAddress: (address: string) => boolean;
  now: () => Date;
}

/** A mail that opens a ticket, with what the dispatcher learnt about it. */
export interface NewTicketMail extends ConversationContext {
  /** The department (or general) address it was sent to. */
  recipient: string;
  /** The ticket an earlier attempt of this delivery bound to the claim, if any (a retry opens no second one). */
  boundTicketId?: string;
  /** The SES spam and virus verdicts. */
  verdicts: Verdicts;
  /** An operator released the quarantined object: it is not held again. */
  released: boolean;
  /** The ticket the mail referred to but could not join (the new ticket links to it), and why. */
  linkedTo?: string;
  linkReason?: string;
}

/**
 * A customer's first mail about something: a new ticket.
 *
 * Primary course:
 * 1. Route the mail (department, priority, language, FAQ answer) with `decideNewMail`.
 * 2. Hold it in quarantine when the department quarantines the SES verdict it failed (spam, virus);
 *    the delivery stays open, and releasing the object re-runs it from here.
 * 3. Take the ticket number (drawn once and bound to the delivery claim) and create the ticket.
 * 4. Store the mail on the ticket and file the ticket under its customer.
 * 5. Acknowledge the customer (at most once, within the auto-reply limits; with the status link and
 *    the automatic answer when there is one).
 * 6. Forward a copy to the department's agents, with a signed reply address and the attachments
 *    (too large ones as download links).
 * 7. Start the ticket's timer (its first response-due step).
 *
 * Every side effect is a step of the delivery claim, so a retry repeats only what did not happen.
 */
export class OpenTicket {
  constructor(private readonly deps: OpenTicketDependencies) {}

  async execute(request: NewTicketMail): Promise<ObjectOutcome> {
    const { config, repository, ledger, templates, steps, now } = this.deps;
    const { mail, dedupeKey, done, base: about } = request;
    const decided = decideNewMail(config, {
      recipient: request.recipient,
      sender: mail.from!.address,
      subject: mail.subject,
      body: mail.text,
      supportedLanguages: templates.languages(),
    });
    const routing = decided.routing;
    const routingNote = request.linkedTo
      ? { ...routing, reason: `${routing.reason}; new ticket linked to ${request.linkedTo}: ${request.linkReason}` }
      : routing;
    const dept = config.departments.find((d) => d.name === routing.department)!;

    const { verdicts } = request;
    const held = (dept.quarantine.spam && verdicts.spam === 'FAIL' ? ['spam'] : []).concat(
      dept.quarantine.virus && verdicts.virus === 'FAIL' ? ['virus'] : [],
    );
    if (held.length > 0 && !request.released) {
      const reason = `quarantined: SES ${held.join(' and ')} verdict FAIL; stored, not answered or forwarded; release with \`triage quarantine release ${request.rawKey}\``;
      await this.deps.quarantine.hold({
        key: request.rawKey,
        at: about.at,
        from: about.from,
        subject: about.subject,
        department: dept.name,
        reason,
      });
      return { ...about, outcome: 'suppressed', department: dept.name, reason, quarantined: true };
    }

    const ticket = await this.openTicket(request, dept, {
      linkedTo: request.linkedTo,
      linkReason: request.linkReason,
      ...ticketFieldsOf(decided),
    });
    await repository.addMessage(
      inboundRecord(ticket.id, 'customer', mail, request.rawKey, request.arrivedAt, { routing: routingNote }),
    );
    await this.deps.customers?.recordTicket(ticket.customer, ticket.id, request.arrivedAt);

    const key = await this.deps.secrets.replyTokenKey();
    const reply = replyAddress(key, ticket.id, config.replyDomain);
    const compose = { cfg: config, dept, ticket, mail, templates };
    const ack = await steps.sendOnce(
      dedupeKey,
      'ack',
      done,
      () =>
        composeAcknowledgement({
          ...compose,
          messageIdSeed: `${ticket.id.toLowerCase()}.ack.${randomUUID()}`,
          statusUrl: this.deps.webBaseUrl
            ? statusUrl(this.deps.webBaseUrl, key, ticket.id, now(), config.web.statusLinkDays)
            : undefined,
          autoAnswer: ticket.autoAnswered ? decided.faq?.answer : undefined,
        }),
      {
        take: () => this.deps.limiter.take(ticket.customer, now()),
        giveBack: () => this.deps.limiter.giveBack(ticket.customer, now()),
      },
    );
    // No acknowledgement went out, so no automatic answer either: nothing for an agent to review.
    const answered =
      ack.limited && ticket.autoAnswered ? { ...ticket, autoAnswered: undefined, needsReview: undefined } : ticket;
    if (answered !== ticket) await repository.saveTicket(answered, ticket.version);
    await steps.sendOnce(dedupeKey, 'agent-copy', done, async () => {
      const store = this.deps.attachments;
      const { link } = store
        ? splitAttachments(mail.attachments, config.forwardAttachmentsUpToMb * 1024 * 1024)
        : { link: [] };
      const linked = [];
      for (const a of link) linked.push(await store!.keep(ticket.id, a));
      return composeAgentCopy({
        ...compose,
        ticket: answered,
        messageIdSeed: `${ticket.id.toLowerCase()}.copy.${randomUUID()}`,
        replyAddress: reply,
        routing: routingNote,
        linked,
      });
    });
    if (!done.includes('timer') && ticket.timer) {
      await this.deps.timers.schedule(ticket.id, ticket.timer);
      await ledger.finishStep(dedupeKey, 'timer', ticket.timer.at);
    }
    const note = ack.limited ? `; no acknowledgement: ${ack.limited}` : '';
    return {
      ...about,
      outcome: 'created',
      ticketId: ticket.id,
      department: dept.name,
      reason: `${routingNote.reason}${note}`,
    };
  }

  /** The ticket of this delivery: the one an earlier attempt created, or a new one under a number bound to the claim. */
  private async openTicket(
    request: NewTicketMail,
    dept: Department,
    link: { linkedTo?: string; linkReason?: string } & Partial<
      Pick<Ticket, 'priority' | 'language' | 'autoAnswered' | 'needsReview'>
    >,
  ): Promise<Ticket> {
    const { repository, ledger } = this.deps;
    const { mail, boundTicketId: boundId, arrivedAt } = request;
    const drawn = boundId ? undefined : formatTicketId(dept.prefix, await repository.nextTicketNumber(dept.prefix));
    const ticketId = boundId ?? (await ledger.bindTicket(request.dedupeKey, drawn!));
    // A number this attempt just drew from the counter and bound names no ticket yet: no read needed.
    const existing = ticketId === drawn ? undefined : await repository.getTicket(ticketId);
    if (existing) return existing;
    const from = mail.from!;
    const { dueAt, promisedAt } = responseDue(dept, arrivedAt);
    const ticket: Ticket = {
      id: ticketId,
      department: dept.name,
      status: 'open',
      priority: link.priority ?? 'normal',
      customer: from.address,
      customerName: from.name,
      participants: [...new Set([from.address, ...mail.cc.map((a) => a.address)])].filter(
        (a) => !this.deps.isOwnAddress(a),
      ),
      subject: mail.subject || '(no subject)',
      createdAt: arrivedAt.toISOString(),
      dueAt: dueAt.toISOString(),
      promisedAt: promisedAt.toISOString(),
      timerGeneration: 0,
      timer: awaitingResponsePlan(dept, 0, arrivedAt, dueAt),
      messageIds: mail.messageId ? [mail.messageId] : [],
      lastCustomerMessageId: mail.messageId,
      linkedTo: link.linkedTo,
      linkReason: link.linkReason,
      language: link.language,
      autoAnswered: link.autoAnswered,
      needsReview: link.needsReview,
      version: 1,
    };
    await repository.createTicket(ticket);
    return ticket;
  }
}
