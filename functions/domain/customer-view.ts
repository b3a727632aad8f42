import type { Department } from './config';
import type { Ticket, TicketMessage, TicketStatus } from './ticket';
import { formatLocal, localeOf } from './turnaround';

/**
 * What the customer's status page may show of a ticket. The conversation is filtered by an explicit
 * allow-list of message kinds: a kind nobody listed here (a new internal record, a copy for agents)
 * stays hidden until someone decides it is for the customer's eyes.
 */

/** Mail from the customer (or a participant they copied), as stored by the inbound function. */
const CUSTOMER_VISIBLE_INBOUND = new Set(['customer']);
/**
 * Mail we sent to the customer: the acknowledgement, an agent's answer relayed, and the customer
 * mails of the ticket timers (follow-up, closing note, survey). Never: agent copies, notes,
 * escalations, due warnings, refusal notices (they go to strangers or agents), command errors,
 * suppressed-send records.
 */
const CUSTOMER_VISIBLE_OUTBOUND = new Set(['ack', 'relay', 'follow-up', 'closing', 'survey']);

/**
 * The messages the customer may see, oldest first: allowed kinds only, never an `internal` one, and
 * outgoing mail only when it was addressed to the ticket's customer.
 */
export function customerVisibleMessages(
  ticket: Pick<Ticket, 'customer'>,
  messages: readonly TicketMessage[],
): TicketMessage[] {
  return messages
    .filter((m) => !m.internal)
    .filter((m) =>
      m.direction === 'in'
        ? CUSTOMER_VISIBLE_INBOUND.has(m.kind)
        : CUSTOMER_VISIBLE_OUTBOUND.has(m.kind) && m.to.includes(ticket.customer),
    )
    .sort((a, b) => a.at.localeCompare(b.at));
}

/**
 * A Lambda response holds at most 6 MB and a stored message up to 64 KB of text: the page shows the
 * latest messages, each cut to a size that keeps the longest conversation well below that (the whole
 * text is in the customer's mail).
 */
export const MAX_VISIBLE_MESSAGES = 100;
export const MAX_VISIBLE_TEXT = 16 * 1024;

/** How each status reads to a customer. */
const STATUS_LABELS: Record<TicketStatus, string> = {
  open: 'Open: waiting for our answer',
  waiting: 'Answered: waiting for your reply',
  pending: 'In progress',
  closed: 'Closed',
};

/** One message as the page shows it. */
export interface VisibleMessage {
  /** `you` for the customer's mail, `us` for ours. */
  author: 'you' | 'us';
  from: string;
  atLocal: string;
  at: string;
  subject: string;
  text: string;
  textTruncated: boolean;
  attachments: string[];
}

/** Everything the status page shows: nothing more leaves the web function. */
export interface TicketStatusView {
  ticketId: string;
  /** The customer's language (the ticket's): the page is written in it when the deployment has its pages. */
  language: string;
  subject: string;
  status: TicketStatus;
  statusLabel: string;
  department: string;
  createdLocal: string;
  /** The promised answer in the department's zone, while the ticket awaits one (first, or again after the customer wrote); unset otherwise. */
  dueLocal?: string;
  answeredLocal?: string;
  closedLocal?: string;
  messages: VisibleMessage[];
  /** How many older messages are left out (beyond MAX_VISIBLE_MESSAGES). */
  olderMessages: number;
  /** The customer's survey answer, if given. */
  satisfaction?: string;
}

/**
 * The status page's view of a ticket, times in the department's zone. The expected reply is what the
 * acknowledgement promised: `promisedAt` (the timers' target plus margin) where the ticket has one,
 * else `dueAt`. When the customer wrote again after an answer, the timers set a new promise
 * (`responseDueAt`, `promisedAt`) and the page shows that one.
 */
export function ticketStatusView(
  ticket: Ticket,
  dept: Department,
  messages: readonly TicketMessage[],
): TicketStatusView {
  const zone = dept.businessHours.timeZone;
  const locale = localeOf(ticket.language);
  const local = (iso: string | undefined) => (iso ? formatLocal(new Date(iso), zone, locale) : undefined);
  const closed = ticket.status === 'closed';
  const visible = customerVisibleMessages(ticket, messages);
  const shown = visible.slice(-MAX_VISIBLE_MESSAGES);
  return {
    ticketId: ticket.id,
    language: ticket.language ?? 'en',
    subject: ticket.subject,
    status: ticket.status,
    statusLabel: STATUS_LABELS[ticket.status],
    department: dept.displayName ?? dept.name,
    createdLocal: local(ticket.createdAt)!,
    dueLocal:
      !closed && (!ticket.firstResponseAt || (ticket.status === 'open' && ticket.responseDueAt))
        ? local(ticket.promisedAt ?? ticket.dueAt)
        : undefined,
    answeredLocal: local(ticket.firstResponseAt),
    closedLocal: closed ? local(ticket.closedAt) : undefined,
    satisfaction: ticket.satisfaction?.choice,
    olderMessages: visible.length - shown.length,
    messages: shown.map((m) => ({
      author: m.direction === 'in' ? 'you' : 'us',
      from: m.direction === 'in' ? m.from : `${dept.displayName ?? dept.name}`,
      at: m.at,
      atLocal: local(m.at)!,
      subject: m.subject,
      text: m.text.length > MAX_VISIBLE_TEXT ? m.text.slice(0, MAX_VISIBLE_TEXT) : m.text,
      textTruncated: m.textTruncated || m.text.length > MAX_VISIBLE_TEXT,
      attachments: m.attachments.map((a) => a.filename),
    })),
  };
}
