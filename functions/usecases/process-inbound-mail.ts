import { createHash, randomUUID } from 'node:crypto';
import type { Department, TriageConfig } from '../domain/config';
import { splitAttachments } from '../domain/attachments';
import { composeAcknowledgement, composeAgentCopy } from '../domain/compose';
import { detectMachineMail } from '../domain/gate';
import type { InboundMail } from '../domain/mail';
import { replyAddress, verifyReplyAddress } from '../domain/reply-token';
import type { TemplateRegistry } from '../domain/templates';
import { decideNewMail, ticketFieldsOf } from '../domain/triage-decision';
import { decideConversation, referencedIds, replyDomainAddresses, type ThreadMatch } from '../domain/thread';
import { formatTicketId, ticketTagsIn, type Ticket } from '../domain/ticket';
import { awaitingResponsePlan, responseDue } from '../domain/timers';
import { readVerdicts, senderAuthenticated } from '../domain/verdicts';
import { statusUrl } from '../domain/web-links';
import { Conversation, type ConversationContext } from './conversation';
import { DeliverySteps, inboundRecord } from './delivery-steps';
import { isStatusRequest } from '../domain/status-request';
import { AnswerStatusRequest } from './answer-status-request';
import type { CustomerDirectory } from '../ports/customers';
import type { AttachmentStore, AutoReplyLimiter, DeliveryLedger, MailReader, Mailer, ObjectOutcome, Quarantine, RawMailStore, SecretSource, TicketRepository, TimerScheduler } from '../ports';

export { MAX_STORED_TEXT } from './delivery-steps';

/** Where SES (or the local SMTP server) put a mail: `inbound/<recipient>/<id>` or `replies/<id>`. */
export interface DeliveredObject {
  key: string;
  /** When the object was written: the moment the mail arrived. */
  arrivedAt: Date;
}

export interface InboundDependencies {
  config: TriageConfig;
  templates: TemplateRegistry;
  store: RawMailStore;
  reader: MailReader;
  repository: TicketRepository;
  /** Object outcomes, claims per mail and their steps: what makes delivery exactly-once. */
  ledger: DeliveryLedger;
  mailer: Mailer;
  timers: TimerScheduler;
  secrets: SecretSource;
  limiter: AutoReplyLimiter;
  quarantine: Quarantine;
  /** Public base URL of the web function (`WEB_BASE_URL`): the ack links the ticket's status page. Without it, no link. */
  webBaseUrl?: string;
  /** Keeps attachments too large to forward (linked instead). Without it every attachment is forwarded as is. */
  attachments?: AttachmentStore;
  /** Customer records (tickets per address) and `status` mail. Without it neither is kept or answered. */
  customers?: CustomerDirectory;
  now?: () => Date;
}

/** The address a delivered object was received for, from its key; `reply` for the reply domain. */
export function recipientOfKey(key: string): { kind: 'department'; address: string } | { kind: 'reply' } | undefined {
  const inbound = /^inbound\/([^/]+@[^/]+)\/[^/]+$/.exec(key);
  if (inbound) return { kind: 'department', address: inbound[1].toLowerCase() };
  if (/^replies\/[^/]+$/.test(key)) return { kind: 'reply' };
  return undefined;
}

/**
 * The identity of a mail across deliveries: its sender and Message-ID, or (without a Message-ID)
 * a hash of the parts a retry does not change. Trace headers that each delivery adds are left out.
 */
export function dedupeKeyOf(mail: InboundMail, raw: Buffer): string {
  const sender = mail.from?.address ?? '(no sender)';
  if (mail.messageId) return `${sender}|${mail.messageId.toLowerCase()}`;
  const bodyStart = raw.indexOf('\n\n') >= 0 ? raw.indexOf('\n\n') : raw.indexOf('\r\n\r\n');
  const hash = createHash('sha256')
    .update(sender)
    .update('\0')
    .update(mail.subject)
    .update('\0')
    .update(mail.date?.toISOString() ?? '')
    .update('\0')
    .update(bodyStart >= 0 ? raw.subarray(bodyStart) : raw)
    .digest('hex');
  return `${sender}|sha256:${hash}`;
}

/**
 * Handles one mail that SES stored: dedupe, gate machine mail, route, open the ticket, acknowledge,
 * forward to the agents and start the timer. Every side effect is claimed in the delivery record
 * first, so a retry after a failure repeats only what did not happen (at most one ack per mail).
 */
export class ProcessInboundMail {
  private readonly now: () => Date;
  private readonly ownAddresses: Set<string>;

  private readonly steps: DeliverySteps;
  private readonly conversation: Conversation;
  private readonly statusRequests?: AnswerStatusRequest;

  constructor(private readonly deps: InboundDependencies) {
    this.now = deps.now ?? (() => new Date());
    const cfg = deps.config;
    this.ownAddresses = new Set([cfg.generalAddress, ...cfg.departments.flatMap((d) => d.addresses)]);
    this.steps = new DeliverySteps(deps.ledger, deps.repository, deps.mailer, this.now);
    this.conversation = new Conversation({ config: cfg, templates: deps.templates, repository: deps.repository, secrets: deps.secrets, steps: this.steps, timers: deps.timers, now: this.now });
    if (deps.customers) this.statusRequests = new AnswerStatusRequest({ ...deps, customers: deps.customers, steps: this.steps, now: this.now });
  }

  /** Agents (and leads) who may answer a ticket of `department`. */
  private isAgentFor(department: string, address: string): boolean {
    const { config } = this.deps;
    const departments = config.agentsAnswerAnyDepartment ? config.departments : config.departments.filter((d) => d.name === department);
    return departments.some((d) => d.agents.includes(address) || d.lead === address);
  }

  /** Ties a mail to a ticket: the signed reply address first, then Message-ID references, then the subject tag. */
  private async matchThread(mail: InboundMail): Promise<ThreadMatch> {
    const { config, repository } = this.deps;
    const replyAddresses = replyDomainAddresses(mail, config.replyDomain);
    if (replyAddresses.length > 0) {
      const key = await this.deps.secrets.replyTokenKey();
      for (const address of replyAddresses) {
        const ticketId = verifyReplyAddress(key, address, config.replyDomain);
        if (ticketId) return { by: 'token', ticketId };
      }
      return { by: 'bad-token', address: replyAddresses[0] };
    }
    for (const messageId of referencedIds(mail)) {
      const ticketId = await repository.findTicketByMessageId(messageId);
      if (ticketId) return { by: 'message-id', ticketId, messageId };
    }
    for (const ticketId of ticketTagsIn(mail.subject)) {
      if (await repository.getTicket(ticketId)) return { by: 'subject-tag', ticketId };
    }
    return { by: 'none' };
  }

  private isOwnAddress = (address: string): boolean => this.ownAddresses.has(address) || address.endsWith(`@${this.deps.config.replyDomain}`);

  async execute(object: DeliveredObject): Promise<ObjectOutcome> {
    const { ledger } = this.deps;
    const earlier = await ledger.getObjectOutcome(object.key);
    let released = false;
    if (earlier) {
      released = Boolean(earlier.quarantined && (await this.deps.quarantine.get(object.key))?.released);
      if (!released) return { ...earlier, outcome: 'duplicate', reason: `object already processed (${earlier.outcome})` };
    }

    const outcome = await this.handle(object, released);
    await ledger.recordObjectOutcome(outcome);
    return outcome;
  }

  private async handle(object: DeliveredObject, released: boolean): Promise<ObjectOutcome> {
    const { config, store, reader, repository, ledger } = this.deps;
    const at = this.now().toISOString();
    const base = { key: object.key, at };
    const recipient = recipientOfKey(object.key);
    if (!recipient) return { ...base, outcome: 'rejected', reason: `object key ${object.key} is not where a receipt rule writes mail` };
    // SES writes this object under each rule's prefix when the rule is created, to test its permission.
    if (object.key.endsWith('/AMAZON_SES_SETUP_NOTIFICATION')) return { ...base, outcome: 'rejected', reason: 'SES receipt-rule setup test object; not a mail' };

    const raw = await store.get(object.key);
    const mail = await reader.read(raw);
    // what every outcome from here on says about the mail
    const about = { ...base, from: mail.from?.address, subject: mail.subject.slice(0, 200) };

    if (!mail.from) return { ...about, outcome: 'rejected', reason: 'no usable sender address (From header missing or unreadable)' };

    const dedupeKey = dedupeKeyOf(mail, raw);
    const claim = await ledger.claimDelivery(dedupeKey, object.key, this.now());
    if (claim.status === 'duplicate') {
      return { ...about, outcome: 'duplicate', ticketId: claim.ticketId, reason: `same mail already delivered as ${claim.firstKey}` };
    }

    const machine = detectMachineMail(mail, this.isOwnAddress);
    const verdicts = readVerdicts(mail);
    if (this.statusRequests && recipient.kind === 'department' && !machine && isStatusRequest(mail.subject)) {
      const answered = await this.statusRequests.answer({ dedupeKey, done: claim.done, mail, recipient: recipient.address, base: about });
      await ledger.completeDelivery(dedupeKey, this.now());
      return answered;
    }
    const match = await this.matchThread(mail);
    const matched = 'ticketId' in match ? await repository.getTicket(match.ticketId) : undefined;
    const sender = mail.from.address;
    const decision = decideConversation({
      match,
      ticket: matched,
      sender,
      senderIsAgent: matched ? this.isAgentFor(matched.department, sender) : false,
      senderAuthenticated: senderAuthenticated(verdicts),
      machine: Boolean(machine),
      now: this.now(),
      reopenWithinDays: config.reopenWithinDays,
    });
    const ctx: ConversationContext = { dedupeKey, done: claim.done, mail, rawKey: object.key, arrivedAt: object.arrivedAt, base: about };
    const finish = async (outcome: ObjectOutcome) => {
      await ledger.completeDelivery(dedupeKey, this.now());
      return outcome;
    };
    switch (decision.action) {
      case 'machine-append':
        return finish(await this.conversation.appendMachineMail(decision.ticketId, machine!, ctx));
      case 'customer-append':
        return finish(await this.conversation.appendCustomerMail(decision.ticketId, decision.reopen, ctx));
      case 'agent-reply':
        return finish(await this.conversation.handleAgentMail(decision.ticketId, ctx));
      case 'refuse':
        return finish(await this.conversation.refuse(decision.ticketId, decision.reason, decision.notifySender && !machine, ctx));
      case 'new-ticket':
        break;
    }
    if (recipient.kind === 'reply') {
      return finish(await this.conversation.refuse(undefined, 'mail to the reply domain without a valid per-ticket reply address', false, ctx));
    }
    if (machine) {
      return finish({ ...about, outcome: 'suppressed', reason: `machine mail (${machine.signal}: ${machine.evidence}); stored, not answered` });
    }

    const decided = decideNewMail(config, { recipient: recipient.address, sender: mail.from.address, subject: mail.subject, body: mail.text, supportedLanguages: this.deps.templates.languages() });
    const routing = decided.routing;
    const routingNote = decision.linkedTo ? { ...routing, reason: `${routing.reason}; new ticket linked to ${decision.linkedTo}: ${decision.linkReason}` } : routing;
    const dept = config.departments.find((d) => d.name === routing.department)!;

    const held = (dept.quarantine.spam && verdicts.spam === 'FAIL' ? ['spam'] : []).concat(dept.quarantine.virus && verdicts.virus === 'FAIL' ? ['virus'] : []);
    if (held.length > 0 && !released) {
      // The claim stays open: releasing the object re-runs this delivery from here.
      const reason = `quarantined: SES ${held.join(' and ')} verdict FAIL; stored, not answered or forwarded; release with \`triage quarantine release ${object.key}\``;
      await this.deps.quarantine.hold({ key: object.key, at, from: about.from, subject: about.subject, department: dept.name, reason });
      return { ...about, outcome: 'suppressed', department: dept.name, reason, quarantined: true };
    }

    const ticket = await this.openTicket(dedupeKey, claim.ticketId, dept, mail, object, { ...decision, ...ticketFieldsOf(decided) });
    await repository.addMessage(inboundRecord(ticket.id, 'customer', mail, object.key, object.arrivedAt, { routing: routingNote }));
    await this.deps.customers?.recordTicket(ticket.customer, ticket.id, object.arrivedAt);

    const key = await this.deps.secrets.replyTokenKey();
    const reply = replyAddress(key, ticket.id, config.replyDomain);
    const compose = { cfg: config, dept, ticket, mail, templates: this.deps.templates };
    const ack = await this.steps.sendOnce(
      dedupeKey,
      'ack',
      claim.done,
      () =>
        composeAcknowledgement({
          ...compose,
          messageIdSeed: `${ticket.id.toLowerCase()}.ack.${randomUUID()}`,
          statusUrl: this.deps.webBaseUrl ? statusUrl(this.deps.webBaseUrl, key, ticket.id, this.now(), config.web.statusLinkDays) : undefined,
          autoAnswer: ticket.autoAnswered ? decided.faq?.answer : undefined,
        }),
      { take: () => this.deps.limiter.take(ticket.customer, this.now()), giveBack: () => this.deps.limiter.giveBack(ticket.customer, this.now()) },
    );
    // No acknowledgement went out, so no automatic answer either: nothing for an agent to review.
    const answered = ack.limited && ticket.autoAnswered ? { ...ticket, autoAnswered: undefined, needsReview: undefined } : ticket;
    if (answered !== ticket) await repository.saveTicket(answered, ticket.version);
    await this.steps.sendOnce(dedupeKey, 'agent-copy', claim.done, async () => {
      const store = this.deps.attachments;
      const { link } = store ? splitAttachments(mail.attachments, config.forwardAttachmentsUpToMb * 1024 * 1024) : { link: [] };
      const linked = [];
      for (const a of link) linked.push(await store!.keep(ticket.id, a));
      return composeAgentCopy({ ...compose, ticket: answered, messageIdSeed: `${ticket.id.toLowerCase()}.copy.${randomUUID()}`, replyAddress: reply, routing: routingNote, linked });
    });
    if (!claim.done.includes('timer') && ticket.timer) {
      await this.deps.timers.schedule(ticket.id, ticket.timer);
      await ledger.finishStep(dedupeKey, 'timer', ticket.timer.at);
    }
    await ledger.completeDelivery(dedupeKey, this.now());
    const note = ack.limited ? `; no acknowledgement: ${ack.limited}` : '';
    return { ...about, outcome: 'created', ticketId: ticket.id, department: dept.name, reason: `${routingNote.reason}${note}` };
  }

  private async openTicket(dedupeKey: string, boundId: string | undefined, dept: Department, mail: InboundMail, object: DeliveredObject, link: { linkedTo?: string; linkReason?: string } & Partial<Pick<Ticket, 'priority' | 'language' | 'autoAnswered' | 'needsReview'>>): Promise<Ticket> {
    const { repository, ledger } = this.deps;
    const drawn = boundId ? undefined : formatTicketId(dept.prefix, await repository.nextTicketNumber(dept.prefix));
    const ticketId = boundId ?? (await ledger.bindTicket(dedupeKey, drawn!));
    // A number this attempt just drew from the counter and bound names no ticket yet: no read needed.
    const existing = ticketId === drawn ? undefined : await repository.getTicket(ticketId);
    if (existing) return existing;
    const from = mail.from!;
    const { dueAt, promisedAt } = responseDue(dept, object.arrivedAt);
    const ticket: Ticket = {
      id: ticketId,
      department: dept.name,
      status: 'open',
      priority: link.priority ?? 'normal',
      customer: from.address,
      customerName: from.name,
      participants: [...new Set([from.address, ...mail.cc.map((a) => a.address)])].filter((a) => !this.isOwnAddress(a)),
      subject: mail.subject || '(no subject)',
      createdAt: object.arrivedAt.toISOString(),
      dueAt: dueAt.toISOString(),
      promisedAt: promisedAt.toISOString(),
      timerGeneration: 0,
      timer: awaitingResponsePlan(dept, 0, object.arrivedAt, dueAt),
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
