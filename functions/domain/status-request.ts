import type { Department, TriageConfig } from './config';
import { departmentAddress, newMessageId } from './compose';
import type { InboundMail } from './mail';
import type { OutgoingMail } from './outgoing';
import type { TemplateRegistry } from './templates';
import type { Ticket } from './ticket';
import { formatLocal } from './turnaround';

/**
 * True for a mail that asks for the status of the sender's tickets: its subject is `status`, case
 * and surrounding space aside, also behind reply prefixes (`Re: status`: someone answering their own
 * earlier request, or our answer, asks again). Nothing looser: "Status of my order 1234" is a question
 * for a person and must open a ticket.
 */
export function isStatusRequest(subject: string): boolean {
  return /^\s*((re|aw|sv)\s*(\[\d+\])?\s*:\s*)*status\s*$/i.test(subject);
}

/** What the customer reads about one ticket's state. */
function statusLine(ticket: Ticket): string {
  switch (ticket.status) {
    case 'waiting':
      return 'answered, waiting for your reply';
    case 'pending':
      return 'on hold';
    default:
      return ticket.firstResponseAt ? 'open, with our team' : 'open, not answered yet';
  }
}

/** When the customer can expect to hear from us about one ticket. */
function expectation(ticket: Ticket, dept: Department | undefined): string {
  const zone = dept?.businessHours.timeZone ?? 'UTC';
  if (ticket.status === 'waiting') return 'we are waiting for your reply';
  if (ticket.status === 'pending') return 'we will write as soon as there is news';
  if (!ticket.firstResponseAt) return `by ${formatLocal(new Date(ticket.dueAt), zone)}`;
  return 'as soon as we can: we answered before and are looking at your latest mail';
}

/**
 * The answer to a status request: the sender's open tickets (never anyone else's), each with its
 * number, subject, state, department and when to expect an answer. Sent from the address the
 * request was sent to, threaded to it, marked automatic (RFC 3834).
 */
export function composeStatusReply(input: {
  cfg: TriageConfig;
  /** The address the request was sent to: the answer comes from it. */
  recipient: string;
  mail: Pick<InboundMail, 'messageId' | 'references' | 'from'>;
  to: string;
  tickets: Ticket[];
  templates: TemplateRegistry;
  messageIdSeed: string;
}): OutgoingMail {
  const { cfg, recipient, mail, to, tickets, templates, messageIdSeed } = input;
  const owner = cfg.departments.find((d) => d.addresses.includes(recipient)) ?? cfg.departments.find((d) => d.name === cfg.triageQueue)!;
  const rendered = templates.render(
    'status-reply',
    {
      company: cfg.companyName,
      customerName: mail.from?.name || undefined,
      count: tickets.length,
      tickets: tickets.map((t) => {
        const dept = cfg.departments.find((d) => d.name === t.department);
        return { id: t.id, subject: t.subject, status: statusLine(t), department: dept?.displayName ?? t.department, expected: expectation(t, dept) };
      }),
    },
    { department: owner.name },
  );
  return {
    kind: 'status-reply',
    ticketId: '',
    from: { address: recipient === cfg.generalAddress || owner.addresses.includes(recipient) ? recipient : departmentAddress(cfg, owner), name: `${cfg.companyName} ticket status` },
    to: [to],
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: newMessageId(cfg, messageIdSeed),
    ...(mail.messageId ? { inReplyTo: mail.messageId, references: [...mail.references.filter((r) => r !== mail.messageId), mail.messageId].slice(-20) } : {}),
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
  };
}
