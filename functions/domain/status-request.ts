import type { Department, TriageConfig } from './config';
import { departmentAddress, newMessageId } from './compose';
import type { InboundMail } from './mail';
import type { OutgoingMail } from './outgoing';
import type { TemplateRegistry } from './templates';
import type { Ticket } from './ticket';
import { formatLocal, localeOf } from './turnaround';

/**
 * True for a mail that asks for the status of the sender's tickets: its subject is `status`, case
 * and surrounding space aside, also behind reply prefixes (`Re: status`: someone answering their own
 * earlier request, or our answer, asks again). Nothing looser: "Status of my order 1234" is a question
 * for a person and must open a ticket.
 */
export function isStatusRequest(subject: string): boolean {
  return /^\s*((re|aw|sv)\s*(\[\d+\])?\s*:\s*)*status\s*$/i.test(subject);
}

/**
 * One ticket's state as the template words it (in the customer's language): exactly one flag is set.
 * `dueLocal` is the promised answer while the ticket awaits one.
 */
function ticketState(
  ticket: Ticket,
  dept: Department | undefined,
  locale: string,
): Record<string, string | boolean | undefined> {
  const zone = dept?.businessHours.timeZone ?? 'UTC';
  const awaitingAgain = ticket.status === 'open' && Boolean(ticket.firstResponseAt);
  const promise = ticket.promisedAt ?? ticket.dueAt;
  return {
    waiting: ticket.status === 'waiting',
    pending: ticket.status === 'pending',
    unanswered: ticket.status === 'open' && !ticket.firstResponseAt,
    awaitingAgain,
    // after the customer wrote again, the timers keep a new promise; older tickets have none
    dueLocal:
      ticket.status === 'open' && (!ticket.firstResponseAt || ticket.responseDueAt)
        ? formatLocal(new Date(promise), zone, locale)
        : undefined,
  };
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
  const owner =
    cfg.departments.find((d) => d.addresses.includes(recipient)) ??
    cfg.departments.find((d) => d.name === cfg.triageQueue)!;
  // The request itself ("status") says nothing about the language: the customer's latest ticket does.
  const language = [...tickets]
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .find((t) => t.language)?.language;
  const locale = localeOf(language);
  const rendered = templates.render(
    'status-reply',
    {
      company: cfg.companyName,
      customerName: mail.from?.name || undefined,
      count: tickets.length,
      tickets: tickets.map((t) => {
        const dept = cfg.departments.find((d) => d.name === t.department);
        return {
          id: t.id,
          subject: t.subject,
          department: dept?.displayName ?? t.department,
          ...ticketState(t, dept, locale),
        };
      }),
    },
    { department: owner.name, language },
  );
  return {
    kind: 'status-reply',
    ticketId: '',
    from: {
      address:
        recipient === cfg.generalAddress || owner.addresses.includes(recipient)
          ? recipient
          : departmentAddress(cfg, owner),
      name: `${cfg.companyName} ticket status`,
    },
    to: [to],
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: newMessageId(cfg, messageIdSeed),
    ...(mail.messageId
      ? {
          inReplyTo: mail.messageId,
          references: [...mail.references.filter((r) => r !== mail.messageId), mail.messageId].slice(-20),
        }
      : {}),
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
  };
}
