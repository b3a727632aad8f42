import type { MachineMailSignal } from './gate';
import type { SurveyChoice } from './web-links';

// The ticket record and what it stores (its timer plan, the routing decision of a message) are
// defined here, so ticket.ts imports nothing that imports it: route.ts and timers.ts build on it.

export type TicketStatus = 'open' | 'waiting' | 'pending' | 'closed';
export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';
export const TICKET_STATUSES: readonly TicketStatus[] = ['open', 'waiting', 'pending', 'closed'];

/** The timed steps a ticket can have pending (what each does: timers.ts). */
export const TIMER_STEPS = ['warn', 'escalate', 'follow-up', 'auto-close', 'survey'] as const;
export type TimerStep = (typeof TIMER_STEPS)[number];

/** One pending timer step: what, when (ISO UTC) and of which generation. */
export interface TimerPlan {
  generation: number;
  step: TimerStep;
  at: string;
}

/** Why a mail went where it went; stored with the message and shown by `triage show`. */
export interface RoutingDecision {
  department: string;
  /**
   * `rule`: a configured routing rule placed it (named in `ruleName`); `address`: the receiving address
   * belongs to the department; `keywords`: placed from the general address; `fallback`: nothing placed it.
   */
  rule: 'rule' | 'address' | 'keywords' | 'fallback';
  /** The address, or the keywords that matched (with where they matched). */
  matched: string[];
  /** One sentence a person can read. */
  reason: string;
  /** Keyword score per department, when keywords were weighed. */
  scores?: Record<string, number>;
  /** The routing rule (`routing.rules[].name`) that placed the mail, when `rule` is `rule`. */
  ruleName?: string;
  /** The priority the ticket got, and the priority rules that gave it (none: `normal`). */
  priority?: TicketPriority;
  priorityRules?: { name: string; priority: TicketPriority; matched: string[] }[];
  /** The language the mail was read in (ISO 639-1) and how it was told. */
  language?: string;
  languageReason?: string;
  /** The FAQ entry whose answer the acknowledgement carried. */
  faq?: string;
  /** Every part of the decision in one sentence each: department, priority, language, automatic answer. */
  reasons?: string[];
}

/** A ticket as stored. Times are ISO-8601 UTC strings. */
export interface Ticket {
  id: string;
  department: string;
  status: TicketStatus;
  priority: TicketPriority;
  customer: string;
  customerName: string;
  /** Everyone who may write into this ticket: the customer and the people CC'd on the first mail. */
  participants: string[];
  subject: string;
  createdAt: string;
  /** When the first response is due, from the department's target and business hours. */
  dueAt: string;
  firstResponseAt?: string;
  escalatedAt?: string;
  /** Message-IDs of the customer's mail and of our own mail about this ticket (threading). */
  messageIds: string[];
  /** The customer's latest Message-ID: our relays answer it, so they thread in the customer's client. */
  lastCustomerMessageId?: string;
  /** Agent the ticket is assigned to (`#assign`). */
  assignee?: string;
  closedAt?: string;
  /** Set when this ticket was opened instead of joining another one, e.g. a stranger used its subject tag. */
  linkedTo?: string;
  linkReason?: string;
  /** The first-response target was missed. */
  breached?: boolean;
  /**
   * When the customer was promised an answer: the target plus the department's margin. Absent on
   * tickets opened before promises were kept apart from targets (read `dueAt` then).
   */
  promisedAt?: string;
  /**
   * When the next agent response is due, once the customer wrote again after an answer (or the ticket
   * was reopened); `dueAt` keeps the first-response target.
   */
  responseDueAt?: string;
  /** When the agents were warned that the response is nearly due. */
  warnedAt?: string;
  /** Since when the ticket waits on the customer (an agent answered). */
  waitingSince?: string;
  /** When the follow-up asked the customer whether the answer solved the problem. */
  followUpSentAt?: string;
  /** How the ticket was closed last: by an agent, by the operator, or automatically after a quiet period. */
  closedBy?: 'agent' | 'operator' | 'timer';
  /**
   * Which timer plan is current. Every change that moves the timers (an answer, a customer reply,
   * a status command) increases it; a timer step from an older generation does nothing.
   */
  timerGeneration?: number;
  /** The next timer step of the current generation, if any (also what `triage timers` shows). */
  timer?: TimerPlan;
  /** The customer's answer to the satisfaction survey (recorded once, by the survey page's POST). */
  satisfaction?: { choice: SurveyChoice; at: string };
  /** The customer's language (ISO 639-1), detected from the first mail: the language of the mail we send them. */
  language?: string;
  /** Id of the FAQ entry whose answer the acknowledgement carried. */
  autoAnswered?: string;
  /** An automatic answer went out: an agent should confirm or correct it. Cleared when an agent answers or the customer confirms. */
  needsReview?: boolean;
  /** Increases on every change; timers compare it to skip stale work. */
  version: number;
}

/** One mail of a ticket's conversation, in or out. */
export interface TicketMessage {
  ticketId: string;
  direction: 'in' | 'out';
  /** `customer` mail, our `ack`, the `agent-copy`, an `escalation` ... */
  kind: string;
  at: string;
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  /** Plain text, cut to a size DynamoDB items allow; the whole raw mail stays in S3. */
  text: string;
  textTruncated: boolean;
  messageId?: string;
  /** S3 key of the raw mail, for inbound mail. */
  rawKey?: string;
  attachments: { filename: string; contentType: string; size: number }[];
  routing?: RoutingDecision;
  suppressed?: MachineMailSignal;
  /** Why this mail was not relayed or applied (a stranger, failed authentication, a bad command). */
  refusal?: string;
  /** Commands an agent gave at the top of the mail. */
  commands?: string[];
  /** Internal: never shown or sent to the customer. */
  internal?: boolean;
}

/** When the current response is due: after a customer's new mail the response due, else the first-response target. */
export function currentDueAt(ticket: Pick<Ticket, 'responseDueAt' | 'dueAt'>): string {
  return ticket.responseDueAt ?? ticket.dueAt;
}

/** `BIL` + 1042 -> `BIL-1042`. */
export function formatTicketId(prefix: string, sequence: number): string {
  return `${prefix}-${sequence}`;
}

/** Finds ticket ids such as `[BIL-1042]` in a subject. */
export function ticketTagsIn(subject: string): string[] {
  return [...subject.matchAll(/\[([A-Z]{2,5}-\d+)\]/g)].map((m) => m[1]);
}

/** `Re: [BIL-1042] Refund` keeps one tag: the subject a customer wrote, with our tag in front. */
export function taggedSubject(ticketId: string, subject: string): string {
  // Reply prefixes go too ("Re: [BIL-1042] Refund" -> "[BIL-1042] Refund"), so every mail of a ticket threads under one subject.
  // split, not a `\s*[tag]\s*` pattern: that backtracks over every run of spaces in a long subject;
  // the parts are trimmed instead.
  const clean = subject
    .split(`[${ticketId}]`)
    .map((part) => part.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/^(\s*(re|aw|sv|fw|fwd|wg|tr|rv)\s*(\[\d+\])?\s*:\s*)+/i, '')
    .trim();
  return `[${ticketId}] ${clean || '(no subject)'}`;
}
