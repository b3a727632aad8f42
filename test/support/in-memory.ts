import { timerExecutionName, type TimerPlan } from '../../functions/domain/timers';
import type { OutgoingMail, SentMail } from '../../functions/domain/outgoing';
import type { Ticket, TicketMessage, TicketPriority, TicketStatus } from '../../functions/domain/ticket';
import type { TriageConfig } from '../../functions/domain/config';
import type { Suppression, SuppressionList } from '../../functions/ports/suppression-list';
import { compareTicketIds, normaliseAddress, type Customer } from '../../functions/domain/customer';
import { CustomerMergeError, type CustomerDirectory } from '../../functions/ports/customers';
import type {
  AttachmentStore,
  AutoReplyLimiter,
  DeliveryClaim,
  DeliveryLedger,
  DeliveryStep,
  LimitDecision,
  LinkedAttachment,
  Mailer,
  ObjectOutcome,
  Quarantine,
  QuarantineEntry,
  RawMailStore,
  SatisfactionResult,
  SecretSource,
  TicketFilter,
  TicketRepository,
  TimerScheduler,
} from '../../functions/ports';
import type { SurveyChoice } from '../../functions/domain/web-links';

/** In-memory adapters for use-case tests and the benchmark: the same port contracts, no I/O. */
export class MemoryRawMailStore implements RawMailStore {
  readonly objects = new Map<string, Buffer>();
  async get(key: string): Promise<Buffer> {
    const raw = this.objects.get(key);
    if (!raw) throw new Error(`NoSuchKey: ${key}`);
    return raw;
  }
}

export class MemoryMailer implements Mailer {
  readonly sent: OutgoingMail[] = [];
  private n = 0;
  failNext = 0;
  async send(mail: OutgoingMail): Promise<SentMail> {
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('Throttling: Maximum sending rate exceeded.'), { name: 'Throttling' });
    }
    this.sent.push(mail);
    const sesMessageId = `0100-${++this.n}`;
    return { sesMessageId, deliveredMessageId: `<${sesMessageId}@email.amazonses.com>` };
  }
}

/** Records timer plans by execution name, as Step Functions would run them (one per name). */
export class MemoryTimers implements TimerScheduler {
  readonly scheduled = new Map<string, TimerPlan & { ticketId: string }>();
  readonly cancelled: string[] = [];
  async schedule(ticketId: string, plan: TimerPlan): Promise<void> {
    const name = timerExecutionName(ticketId, plan);
    if (!this.scheduled.has(name)) this.scheduled.set(name, { ticketId, ...plan });
  }
  async cancel(ticketId: string, plan: TimerPlan): Promise<void> {
    this.cancelled.push(timerExecutionName(ticketId, plan));
  }
  /** The plans of one ticket, in the order they were scheduled. */
  of(ticketId: string): TimerPlan[] {
    return [...this.scheduled.values()]
      .filter((p) => p.ticketId === ticketId)
      .map(({ generation, step, at }) => ({ generation, step, at }));
  }
}

export class FixedSecret implements SecretSource {
  constructor(private readonly key = 'k'.repeat(64)) {}
  async replyTokenKey(): Promise<string> {
    return this.key;
  }
}

interface Claim {
  objectKey: string;
  claimedAt: string;
  state: 'claimed' | 'done';
  ticketId?: string;
  done: string[];
  /** step -> the attempt holding it */
  steps: Map<string, string>;
  sending: Set<string>;
}

/** The delivery ledger in memory: outcomes per object, claims per mail and their steps. */
export class MemoryDeliveryLedger implements DeliveryLedger {
  readonly outcomes = new Map<string, ObjectOutcome>();
  readonly claims = new Map<string, Claim>();

  async getObjectOutcome(key: string) {
    return this.outcomes.get(key);
  }
  async recordObjectOutcome(outcome: ObjectOutcome) {
    this.outcomes.set(outcome.key, outcome);
  }
  async claimDelivery(dedupeKey: string, objectKey: string, now: Date): Promise<DeliveryClaim> {
    const claim = this.claims.get(dedupeKey);
    if (!claim) {
      this.claims.set(dedupeKey, {
        objectKey,
        claimedAt: now.toISOString(),
        state: 'claimed',
        done: [],
        steps: new Map(),
        sending: new Set(),
      });
      return { status: 'new', firstKey: objectKey, done: [] };
    }
    const view = { ticketId: claim.ticketId, firstKey: claim.objectKey, done: [...claim.done] };
    if (claim.state === 'done') return { status: 'duplicate', ...view };
    if (claim.objectKey === objectKey) return { status: 'resumed', ...view };
    return { status: 'duplicate', ...view };
  }
  async bindTicket(dedupeKey: string, ticketId: string) {
    const claim = this.claims.get(dedupeKey)!;
    claim.ticketId ??= ticketId;
    return claim.ticketId;
  }
  async beginStep(dedupeKey: string, step: DeliveryStep, attempt: string, now: Date) {
    // as DynamoDB's UpdateItem: a step without a delivery claim (a timer step's mail) creates the record
    if (!this.claims.has(dedupeKey))
      this.claims.set(dedupeKey, {
        objectKey: dedupeKey,
        claimedAt: now.toISOString(),
        state: 'claimed',
        done: [],
        steps: new Map(),
        sending: new Set(),
      });
    const claim = this.claims.get(dedupeKey)!;
    if (claim.sending.has(step) || claim.done.includes(step)) return false;
    claim.steps.set(step, attempt);
    return true;
  }
  async markSending(dedupeKey: string, step: DeliveryStep, attempt: string) {
    const claim = this.claims.get(dedupeKey)!;
    if (claim.steps.get(step) !== attempt) return false;
    claim.sending.add(step);
    return true;
  }
  async abandonStep(dedupeKey: string, step: DeliveryStep, attempt: string) {
    const claim = this.claims.get(dedupeKey)!;
    if (claim.steps.get(step) !== attempt) return;
    claim.steps.delete(step);
    claim.sending.delete(step);
  }
  async finishStep(dedupeKey: string, step: DeliveryStep) {
    this.claims.get(dedupeKey)!.done.push(step);
  }
  async completeDelivery(dedupeKey: string) {
    this.claims.get(dedupeKey)!.state = 'done';
  }
}

export class MemoryTicketRepository implements TicketRepository {
  readonly counters = new Map<string, number>();
  readonly tickets = new Map<string, Ticket>();
  readonly messages: TicketMessage[] = [];
  readonly messageIds = new Map<string, string>();

  async nextTicketNumber(prefix: string) {
    const next = (this.counters.get(prefix) ?? 1000) + 1;
    this.counters.set(prefix, next);
    return next;
  }
  async createTicket(ticket: Ticket) {
    if (!this.tickets.has(ticket.id)) this.tickets.set(ticket.id, structuredClone(ticket));
    for (const id of ticket.messageIds) await this.indexMessageId(id, ticket.id);
  }
  async saveTicket(ticket: Ticket, expectedVersion: number) {
    const stored = this.tickets.get(ticket.id);
    if (!stored || stored.version !== expectedVersion) return false;
    this.tickets.set(ticket.id, structuredClone({ ...ticket, version: expectedVersion + 1 }));
    return true;
  }
  async getTicket(id: string) {
    const t = this.tickets.get(id);
    return t ? structuredClone(t) : undefined;
  }
  async listTickets(filter: TicketFilter = {}) {
    return [...this.tickets.values()].filter(
      (t) =>
        (!filter.department || t.department === filter.department) &&
        (!filter.status || t.status === filter.status) &&
        (!filter.dueFrom || t.dueAt >= filter.dueFrom),
    );
  }
  async addMessage(message: TicketMessage) {
    this.messages.push(message);
  }
  async listMessages(ticketId: string) {
    return this.messages.filter((m) => m.ticketId === ticketId);
  }
  async indexMessageId(messageId: string, ticketId: string) {
    this.messageIds.set(messageId.toLowerCase(), ticketId);
  }
  async addMessageWithIds(message: TicketMessage, messageIds: readonly string[]) {
    for (const id of messageIds) await this.indexMessageId(id, message.ticketId);
    await this.addMessage(message);
  }
  async findTicketByMessageId(messageId: string) {
    return this.messageIds.get(messageId.toLowerCase());
  }
  async updateTicketStatus(id: string, status: TicketStatus, at: Date) {
    return this.change(id, (t) => {
      t.status = status;
      if (status === 'closed') t.closedAt = at.toISOString();
      else delete t.closedAt;
    });
  }
  async assignTicket(id: string, agent: string) {
    return this.change(id, (t) => (t.assignee = agent));
  }
  async setTicketPriority(id: string, priority: TicketPriority) {
    return this.change(id, (t) => (t.priority = priority));
  }
  async recordSatisfaction(ticketId: string, choice: SurveyChoice, at: Date): Promise<SatisfactionResult> {
    const t = this.tickets.get(ticketId);
    if (!t) return { outcome: 'no-ticket' };
    if (t.satisfaction) return { outcome: 'already-answered', satisfaction: { ...t.satisfaction } };
    t.satisfaction = { choice, at: at.toISOString() };
    t.version++;
    return { outcome: 'recorded', satisfaction: { ...t.satisfaction } };
  }
  private change(id: string, edit: (t: Ticket) => void) {
    const t = this.tickets.get(id);
    if (!t) return undefined;
    edit(t);
    t.version++;
    return structuredClone(t);
  }
}

/** Counts like the Dynamo limiter: fixed windows per sender, then the global one. */
export class MemoryAutoReplyLimiter implements AutoReplyLimiter {
  readonly counts = new Map<string, number>();
  constructor(private readonly limits: TriageConfig['autoReplyLimits']) {}
  async take(sender: string, now: Date): Promise<LimitDecision> {
    const windows = [
      ...[...this.limits.perSender].sort((a, b) => a.minutes - b.minutes).map((w) => ({ scope: sender, ...w })),
      { scope: '*', ...this.limits.global },
    ];
    for (const w of windows) {
      const key = `${w.scope}#${w.minutes}#${Math.floor(now.getTime() / (w.minutes * 60_000))}`;
      const count = this.counts.get(key) ?? 0;
      if (count >= w.max)
        return {
          allowed: false,
          limit: `${w.max} automatic replies per ${w.minutes} minutes to ${w.scope === '*' ? 'all senders' : 'this sender'}`,
        };
      this.counts.set(key, count + 1);
    }
    return { allowed: true };
  }
  async giveBack(sender: string, now: Date): Promise<void> {
    const windows = [
      ...this.limits.perSender.map((w) => ({ scope: sender, ...w })),
      { scope: '*', ...this.limits.global },
    ];
    for (const w of windows) {
      const key = `${w.scope}#${w.minutes}#${Math.floor(now.getTime() / (w.minutes * 60_000))}`;
      this.counts.set(key, Math.max(0, (this.counts.get(key) ?? 0) - 1));
    }
  }
}

export class MemoryQuarantine implements Quarantine {
  readonly entries = new Map<string, QuarantineEntry>();
  async hold(entry: QuarantineEntry) {
    this.entries.set(entry.key, { ...entry });
  }
  async get(key: string) {
    return this.entries.get(key);
  }
  async list() {
    return [...this.entries.values()];
  }
  async release(key: string, at: Date) {
    const entry = this.entries.get(key);
    if (!entry) return false;
    entry.released = true;
    entry.releasedAt = at.toISOString();
    return true;
  }
}

/** The suppression list in memory, with the Dynamo adapter's rules (a soft suppression never replaces a permanent one). */
export class MemorySuppressionList implements SuppressionList {
  readonly entries = new Map<string, Suppression>();
  readonly transient = new Map<string, Map<string, number>>();
  failNext = 0;
  async find(addresses: readonly string[], now: Date) {
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    }
    const unique = [...new Set(addresses.map((a) => a.trim().toLowerCase()))];
    return unique
      .map((a) => this.entries.get(a))
      .filter((e): e is Suppression => !!e && (!e.until || Date.parse(e.until) > now.getTime()));
  }
  async suppress(entry: Suppression) {
    const address = entry.address.toLowerCase();
    const existing = this.entries.get(address);
    if (entry.until && existing && !existing.until) return;
    this.entries.set(address, { ...entry, address });
  }
  async recordTransientBounce(address: string, feedbackId: string, at: Date, windowMs: number) {
    const bounces = this.transient.get(address.toLowerCase()) ?? new Map<string, number>();
    bounces.set(feedbackId, at.getTime());
    this.transient.set(address.toLowerCase(), bounces);
    return [...bounces.values()].filter((t) => t >= at.getTime() - windowMs && t <= at.getTime()).length;
  }
  async lift(address: string) {
    return this.entries.delete(address.toLowerCase());
  }
}

/** Keeps attachments in memory and hands out fake links; the bytes can be read back by URL. */
export class MemoryAttachmentStore implements AttachmentStore {
  readonly kept = new Map<string, Buffer>();
  async keep(
    ticketId: string,
    attachment: { filename: string; contentType: string; content: Buffer },
  ): Promise<LinkedAttachment> {
    const url = `memory://attachments/${ticketId}/${this.kept.size + 1}/${encodeURIComponent(attachment.filename)}`;
    this.kept.set(url, attachment.content);
    return {
      filename: attachment.filename,
      size: attachment.content.length,
      url,
      expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    };
  }
}

/** The customer directory in memory, with the Dynamo adapter's rules (own records per address, flat aliases). */
export class MemoryCustomerDirectory implements CustomerDirectory {
  readonly records = new Map<
    string,
    { ticketIds: Set<string>; aliases: Set<string>; aliasOf?: string; firstSeenAt?: string }
  >();
  private record(address: string) {
    let r = this.records.get(address);
    if (!r) this.records.set(address, (r = { ticketIds: new Set(), aliases: new Set() }));
    return r;
  }
  async recordTicket(address: string, ticketId: string, at: Date) {
    const r = this.record(normaliseAddress(address));
    r.ticketIds.add(ticketId);
    r.firstSeenAt ??= at.toISOString();
  }
  private primaryOf(address: string): string {
    return this.records.get(address)?.aliasOf ?? address;
  }
  async resolve(address: string): Promise<Customer | undefined> {
    const primary = this.primaryOf(normaliseAddress(address));
    const r = this.records.get(primary);
    if (!r) return undefined;
    const aliases = [...r.aliases].sort();
    const members = [r, ...aliases.map((a) => this.records.get(a)).filter((m) => m !== undefined)];
    const ticketIds = [...new Set(members.flatMap((m) => [...m.ticketIds]))].sort(compareTicketIds);
    const firstSeenAt = members
      .map((m) => m.firstSeenAt)
      .filter((s): s is string => Boolean(s))
      .sort()[0];
    return { address: primary, aliases, ticketIds, firstSeenAt };
  }
  async merge(primaryAddress: string, aliasAddress: string, _at?: Date) {
    const a = normaliseAddress(primaryAddress);
    const b = normaliseAddress(aliasAddress);
    if (a === b) throw new CustomerMergeError(`cannot merge ${a} into itself`);
    const [pa, pb] = [this.primaryOf(a), this.primaryOf(b)];
    if (pa === pb) return { customer: (await this.resolve(a))!, alreadyMerged: true };
    const moving = [pb, ...(this.records.get(pb)?.aliases ?? [])];
    const primary = this.record(pa);
    for (const m of moving) {
      primary.aliases.add(m);
      const r = this.record(m);
      r.aliasOf = pa;
      r.aliases.clear();
    }
    return { customer: (await this.resolve(pa))!, alreadyMerged: false };
  }
}
