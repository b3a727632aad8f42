import type { TriageConfig } from '../domain/config';
import { dedupeKeyOf, recipientOfKey, type DeliveryRecipient } from '../domain/delivery-key';
import { detectMachineMail } from '../domain/gate';
import type { InboundMail } from '../domain/mail';
import { verifyReplyAddress } from '../domain/reply-token';
import { isStatusRequest } from '../domain/status-request';
import type { TemplateRegistry } from '../domain/templates';
import { decideConversation, referencedIds, replyDomainAddresses, type ThreadMatch } from '../domain/thread';
import { ticketTagsIn } from '../domain/ticket';
import { readVerdicts, senderAuthenticated } from '../domain/verdicts';
import type {
  AttachmentStore,
  AutoReplyLimiter,
  DeliveryLedger,
  MailReader,
  Mailer,
  ObjectOutcome,
  Quarantine,
  RawMailStore,
  SecretSource,
  TicketRepository,
  TimerScheduler,
} from '../ports';
import type { CustomerDirectory } from '../ports/customers';
import { AnswerStatusRequest } from './answer-status-request';
import { Conversation, type ConversationContext } from './conversation';
import { DeliverySteps } from './delivery-steps';
import { OpenTicket } from './open-ticket';

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

/**
 * Handles one mail that SES stored: decodes it, lets each mail through once, and dispatches it to
 * the use case it is for.
 *
 * Primary course:
 * 1. An object processed before is a duplicate (unless an operator released it from quarantine).
 * 2. Read the object's recipient from its key, the raw mail from the store, and decode it.
 * 3. Claim the mail in the delivery ledger (sender + Message-ID): a mail delivered before is a duplicate.
 * 4. Dispatch: a `status` request to `AnswerStatusRequest`; mail for an existing ticket (by signed
 *    reply address, Message-ID reference or subject tag) to `Conversation`; machine mail and mail to
 *    the reply domain without a valid token are stored, not answered; anything else to `OpenTicket`.
 * 5. Close the claim (a quarantined mail keeps it open) and record the object's outcome.
 *
 * Every side effect is claimed in the delivery ledger first, so a retry after a failure repeats only
 * what did not happen (at most one ack per mail).
 */
export class ProcessInboundMail {
  private readonly now: () => Date;
  private readonly ownAddresses: Set<string>;

  private readonly conversation: Conversation;
  private readonly openTicket: OpenTicket;
  private readonly statusRequests?: AnswerStatusRequest;

  constructor(private readonly deps: InboundDependencies) {
    this.now = deps.now ?? (() => new Date());
    const cfg = deps.config;
    this.ownAddresses = new Set([cfg.generalAddress, ...cfg.departments.flatMap((d) => d.addresses)]);
    const steps = new DeliverySteps(deps.ledger, deps.repository, deps.mailer, this.now);
    this.conversation = new Conversation({
      config: cfg,
      templates: deps.templates,
      repository: deps.repository,
      secrets: deps.secrets,
      steps,
      timers: deps.timers,
      now: this.now,
    });
    this.openTicket = new OpenTicket({ ...deps, steps, isOwnAddress: this.isOwnAddress, now: this.now });
    if (deps.customers)
      this.statusRequests = new AnswerStatusRequest({ ...deps, customers: deps.customers, steps, now: this.now });
  }

  /** Agents (and leads) who may answer a ticket of `department`. */
  private isAgentFor(department: string, address: string): boolean {
    const { config } = this.deps;
    const departments = config.agentsAnswerAnyDepartment
      ? config.departments
      : config.departments.filter((d) => d.name === department);
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

  private isOwnAddress = (address: string): boolean =>
    this.ownAddresses.has(address) || address.endsWith(`@${this.deps.config.replyDomain}`);

  async execute(object: DeliveredObject): Promise<ObjectOutcome> {
    const { ledger } = this.deps;
    const earlier = await ledger.getObjectOutcome(object.key);
    let released = false;
    if (earlier) {
      released = Boolean(earlier.quarantined && (await this.deps.quarantine.get(object.key))?.released);
      if (!released)
        return { ...earlier, outcome: 'duplicate', reason: `object already processed (${earlier.outcome})` };
    }

    const outcome = await this.handle(object, released);
    await ledger.recordObjectOutcome(outcome);
    return outcome;
  }

  /** Decode, gate (once per mail), dispatch. */
  private async handle(object: DeliveredObject, released: boolean): Promise<ObjectOutcome> {
    const { store, reader, ledger } = this.deps;
    const base = { key: object.key, at: this.now().toISOString() };
    const recipient = recipientOfKey(object.key);
    if (!recipient)
      return {
        ...base,
        outcome: 'rejected',
        reason: `object key ${object.key} is not where a receipt rule writes mail`,
      };
    // SES writes this object under each rule's prefix when the rule is created, to test its permission.
    if (object.key.endsWith('/AMAZON_SES_SETUP_NOTIFICATION'))
      return { ...base, outcome: 'rejected', reason: 'SES receipt-rule setup test object; not a mail' };

    const raw = await store.get(object.key);
    const mail = await reader.read(raw);
    // what every outcome from here on says about the mail
    const about = { ...base, from: mail.from?.address, subject: mail.subject.slice(0, 200) };
    if (!mail.from)
      return { ...about, outcome: 'rejected', reason: 'no usable sender address (From header missing or unreadable)' };

    const dedupeKey = dedupeKeyOf(mail, raw);
    const claim = await ledger.claimDelivery(dedupeKey, object.key, this.now());
    if (claim.status === 'duplicate') {
      return {
        ...about,
        outcome: 'duplicate',
        ticketId: claim.ticketId,
        reason: `same mail already delivered as ${claim.firstKey}`,
      };
    }

    const ctx: ConversationContext = {
      dedupeKey,
      done: claim.done,
      mail,
      rawKey: object.key,
      arrivedAt: object.arrivedAt,
      base: about,
    };
    const outcome = await this.dispatch(recipient, ctx, claim.ticketId, released);
    // A quarantined mail keeps its claim open: releasing the object re-runs this delivery.
    if (!outcome.quarantined) await ledger.completeDelivery(dedupeKey, this.now());
    return outcome;
  }

  /** Hands the claimed mail to the use case it is for. */
  private async dispatch(
    recipient: DeliveryRecipient,
    ctx: ConversationContext,
    boundTicketId: string | undefined,
    released: boolean,
  ): Promise<ObjectOutcome> {
    const { config, repository } = this.deps;
    const { mail } = ctx;
    const machine = detectMachineMail(mail, this.isOwnAddress);
    const verdicts = readVerdicts(mail);
    if (this.statusRequests && recipient.kind === 'department' && !machine && isStatusRequest(mail.subject)) {
      return this.statusRequests.execute({
        dedupeKey: ctx.dedupeKey,
        done: ctx.done,
        mail,
        recipient: recipient.address,
        base: ctx.base,
      });
    }
    const match = await this.matchThread(mail);
    const matched = 'ticketId' in match ? await repository.getTicket(match.ticketId) : undefined;
    const sender = mail.from!.address;
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
    switch (decision.action) {
      case 'machine-append':
        return this.conversation.appendMachineMail(decision.ticketId, machine!, ctx);
      case 'customer-append':
        return this.conversation.appendCustomerMail(decision.ticketId, decision.reopen, ctx);
      case 'agent-reply':
        return this.conversation.handleAgentMail(decision.ticketId, ctx);
      case 'refuse':
        return this.conversation.refuse(decision.ticketId, decision.reason, decision.notifySender && !machine, ctx);
      case 'new-ticket':
        break;
    }
    if (recipient.kind === 'reply') {
      return this.conversation.refuse(
        undefined,
        'mail to the reply domain without a valid per-ticket reply address',
        false,
        ctx,
      );
    }
    if (machine) {
      return {
        ...ctx.base,
        outcome: 'suppressed',
        reason: `machine mail (${machine.signal}: ${machine.evidence}); stored, not answered`,
      };
    }
    return this.openTicket.execute({
      ...ctx,
      recipient: recipient.address,
      boundTicketId,
      verdicts,
      released,
      linkedTo: decision.linkedTo,
      linkReason: decision.linkReason,
    });
  }
}
