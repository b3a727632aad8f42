import type { RoutingDecision } from './route';
import type { MachineMailSignal } from './gate';

export type TicketStatus = 'open' | 'waiting' | 'pending' | 'closed';
export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';
export const TICKET_STATUSES: readonly TicketStatus[] = ['open', 'waiting', 'pending', 'closed'];

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
  const clean = subject
    .replace(new RegExp(`\\s*\\[${ticketId}\\]\\s*`, 'g'), ' ')
    .replace(/^(\s*(re|aw|sv|fw|fwd|wg|tr|rv)\s*(\[\d+\])?\s*:\s*)+/i, '')
    .trim();
  return `[${ticketId}] ${clean || '(no subject)'}`;
}
