import type { LinkedAttachment } from '../domain/attachments';
import type { InboundMail } from '../domain/mail';
import type { OutgoingMail, SentMail } from '../domain/outgoing';
import type { Ticket, TicketMessage, TicketPriority, TicketStatus } from '../domain/ticket';
import type { TimerPlan } from '../domain/timers';
import type { SurveyChoice } from '../domain/web-links';

export type { DeliveryClaim, DeliveryLedger, DeliveryOutcome, DeliveryStep, ObjectOutcome } from './delivery-ledger';

/** Where SES put the raw mail. */
export interface RawMailStore {
  get(key: string): Promise<Buffer>;
}

/** Turns raw bytes into the domain's view of a mail. Never throws for bad mail: it returns what it could read. */
export interface MailReader {
  read(raw: Buffer): Promise<InboundMail>;
}

/** Sends one composed mail. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<SentMail>;
  /**
   * Optional: checks the recipients (e.g. against the suppression list) BEFORE the caller claims
   * the right to send, so a failing look-up is retried instead of costing the mail; `send` then
   * reuses the result for the same mail object.
   */
  screen?(mail: OutgoingMail): Promise<void>;
}

/** Runs a ticket's timer steps (Step Functions executions in AWS and in the local stack). */
export interface TimerScheduler {
  /** Starts the wait for one planned step. Idempotent: the same plan twice is one execution, a plan that already ran is not run again. */
  schedule(ticketId: string, plan: TimerPlan): Promise<void>;
  /** Stops the wait of a superseded plan. Best effort: the step would find its generation outdated anyway. */
  cancel(ticketId: string, plan: TimerPlan): Promise<void>;
}

/** The key that signs per-ticket reply addresses. */
export interface SecretSource {
  replyTokenKey(): Promise<string>;
}

export interface TicketFilter {
  department?: string;
  status?: TicketStatus;
  /** Only tickets due at or after this ISO time (the index's sort key: a range read, not a filter). */
  dueFrom?: string;
}

/** Tickets and their conversations (the delivery bookkeeping is the `DeliveryLedger`). */
export interface TicketRepository {
  nextTicketNumber(prefix: string): Promise<number>;
  /** Creates the ticket unless it exists (a retry); indexes its Message-IDs. */
  createTicket(ticket: Ticket): Promise<void>;
  getTicket(id: string): Promise<Ticket | undefined>;
  listTickets(filter?: TicketFilter): Promise<Ticket[]>;
  addMessage(message: TicketMessage): Promise<void>;
  listMessages(ticketId: string): Promise<TicketMessage[]>;
  /** Remembers a Message-ID (ours or the customer's) as belonging to a ticket. */
  indexMessageId(messageId: string, ticketId: string): Promise<void>;
  /**
   * Adds a message and remembers each of `messageIds` as belonging to its ticket: the same as
   * `addMessage` and `indexMessageId` for each, in one request where the store allows it (a mail we
   * sent makes three writes; each is an idempotent put, so a retry may repeat them).
   */
  addMessageWithIds(message: TicketMessage, messageIds: readonly string[]): Promise<void>;
  findTicketByMessageId(messageId: string): Promise<string | undefined>;
  /**
   * Replaces the ticket if its stored version is still `expectedVersion` (optimistic concurrency);
   * the saved ticket carries `expectedVersion + 1`. False when someone changed it meanwhile.
   */
  saveTicket(ticket: Ticket, expectedVersion: number): Promise<boolean>;
  /**
   * Operator actions (`triage close|assign|priority`). Each changes one ticket only if it exists, bumps
   * its `version`, and returns the updated ticket (undefined when there is no such ticket).
   * A status change also moves the ticket in the department/status index (`gsi1pk`), sets `closedAt`
   * to `at` when closing and removes it otherwise.
   */
  updateTicketStatus(id: string, status: TicketStatus, at: Date): Promise<Ticket | undefined>;
  /** Sets the agent the ticket is assigned to. */
  assignTicket(id: string, agent: string): Promise<Ticket | undefined>;
  setTicketPriority(id: string, priority: TicketPriority): Promise<Ticket | undefined>;
  /**
   * Records the customer's survey answer once: only if the ticket exists and has no answer yet (a
   * conditional write, so two clicks at once cannot both count). Bumps `version`.
   */
  recordSatisfaction(ticketId: string, choice: SurveyChoice, at: Date): Promise<SatisfactionResult>;
}

/** What became of a survey answer: recorded, refused because one was recorded before (that one is returned), or no such ticket. */
export type SatisfactionResult =
  | { outcome: 'recorded'; satisfaction: NonNullable<Ticket['satisfaction']> }
  | { outcome: 'already-answered'; satisfaction: NonNullable<Ticket['satisfaction']> }
  | { outcome: 'no-ticket' };

/** The answer of the auto-reply limiter. */
export type LimitDecision = { allowed: true } | { allowed: false; limit: string };

/** Counts automatic replies per sender and overall, and says when one more would exceed a limit. */
export interface AutoReplyLimiter {
  /** Takes one automatic reply to `sender` from the budget, unless a limit is reached. */
  take(sender: string, now: Date): Promise<LimitDecision>;
  /** Returns what an allowed `take(sender, now)` took, when the reply could not be sent after all. */
  giveBack(sender: string, now: Date): Promise<void>;
}

/** A mail held because SES judged it spam or a virus; an operator can release it. */
export interface QuarantineEntry {
  key: string;
  at: string;
  from?: string;
  subject?: string;
  department: string;
  reason: string;
  released?: boolean;
  releasedAt?: string;
}

/** Quarantined mail, visible to operators. */
export interface Quarantine {
  hold(entry: QuarantineEntry): Promise<void>;
  get(key: string): Promise<QuarantineEntry | undefined>;
  list(): Promise<QuarantineEntry[]>;
  /** Marks the entry released; false when there is no such entry. The caller then re-drives the object. */
  release(key: string, at: Date): Promise<boolean>;
}

/** Keeps attachments too large to forward and hands out time-limited download links. */
export interface AttachmentStore {
  keep(ticketId: string, attachment: { filename: string; contentType: string; content: Buffer }): Promise<LinkedAttachment>;
}

export type { LinkedAttachment };
