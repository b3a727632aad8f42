import type { Department, TriageConfig } from './config';
import type { InboundMail } from './mail';
import type { OutgoingMail } from './outgoing';
import type { TemplateRegistry } from './templates';
import type { Ticket } from './ticket';
import type { RoutingDecision } from './route';
import type { LinkedAttachment } from './attachments';
import { formatLocal, localeOf } from './turnaround';
import { currentDueAt, taggedSubject } from './ticket';

/**
 * Headers on every automatic mail we send. `Auto-Submitted` (RFC 3834) tells well-behaved
 * responders not to answer; `X-Auto-Response-Suppress` does the same for Exchange; `X-Triage-Ticket`
 * lets our own gate recognise the mail if it comes back.
 */
export function automaticHeaders(
  ticketId: string,
  autoSubmitted: 'auto-replied' | 'auto-generated',
): Record<string, string> {
  return { 'Auto-Submitted': autoSubmitted, 'X-Auto-Response-Suppress': 'All', 'X-Triage-Ticket': ticketId };
}

/** The department's sending address: its first address, or the general address for the triage queue. */
export function departmentAddress(cfg: TriageConfig, dept: Department): string {
  return dept.addresses[0] ?? cfg.generalAddress;
}

/** A Message-ID at our own domain. */
export function newMessageId(cfg: TriageConfig, id: string): string {
  return `<${id}@${cfg.mailDomain}>`;
}

/** The threading headers of a reply to `mail`: In-Reply-To its id, References its chain plus its id. */
function replyThreading(mail: Pick<InboundMail, 'messageId' | 'references'>): {
  inReplyTo?: string;
  references?: string[];
} {
  if (!mail.messageId) return {};
  return {
    inReplyTo: mail.messageId,
    references: [...mail.references.filter((r) => r !== mail.messageId), mail.messageId].slice(-20),
  };
}

export interface ComposeInput {
  cfg: TriageConfig;
  dept: Department;
  ticket: Ticket;
  mail: InboundMail;
  templates: TemplateRegistry;
  /** Unique id for the new Message-ID. */
  messageIdSeed: string;
}

/**
 * The acknowledgement to the customer: ticket number, the promised time in the department's zone,
 * threaded to their mail; in the ticket's language, with the answer of a matching FAQ entry.
 */
export function composeAcknowledgement({
  cfg,
  dept,
  ticket,
  mail,
  templates,
  messageIdSeed,
  autoAnswer,
  statusUrl,
}: ComposeInput & {
  autoAnswer?: string;
  /** The signed link to the ticket's status page, when the web function is deployed. */
  statusUrl?: string;
}): OutgoingMail {
  const departmentName = dept.displayName ?? dept.name;
  const context = {
    ticketId: ticket.id,
    customerName: ticket.customerName || undefined,
    subject: mail.subject || '(no subject)',
    department: departmentName,
    company: cfg.companyName,
    // The promise (target plus margin), not the target the team works to.
    dueLocal: formatLocal(
      new Date(ticket.promisedAt ?? ticket.dueAt),
      dept.businessHours.timeZone,
      localeOf(ticket.language),
    ),
    dueAt: ticket.promisedAt ?? ticket.dueAt,
    firstResponseHours: dept.firstResponseHours,
    statusUrl,
  };
  // Rendered as plain text; the HTML template escapes it like any other value.
  const answer = autoAnswer ? templates.renderSource(autoAnswer, context).trim() : undefined;
  const rendered = templates.render(
    'acknowledge',
    { ...context, autoAnswer: answer },
    { department: dept.name, language: ticket.language },
  );
  return {
    kind: 'ack',
    ticketId: ticket.id,
    from: { address: departmentAddress(cfg, dept), name: `${cfg.companyName} ${departmentName}` },
    to: [ticket.customer],
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: newMessageId(cfg, messageIdSeed),
    ...replyThreading(mail),
    headers: automaticHeaders(ticket.id, 'auto-replied'),
  };
}

/**
 * The copy for the department's agents: the customer's text and attachments, with the per-ticket
 * reply address as Reply-To so that an agent's answer comes back to us, never straight to the customer.
 */
export function composeAgentCopy(
  input: ComposeInput & {
    replyAddress: string;
    routing: RoutingDecision;
    /** Attachments too large to forward, kept in S3: listed as links instead of attached. */
    linked?: LinkedAttachment[];
  },
): OutgoingMail {
  const { cfg, dept, ticket, mail, templates, messageIdSeed, replyAddress, routing } = input;
  const linked = input.linked ?? [];
  const attached = mail.attachments.filter((a) => !linked.some((l) => l.filename === a.filename && l.size === a.size));
  const departmentName = dept.displayName ?? dept.name;
  const rendered = templates.render(
    'agent-copy',
    {
      ticketId: ticket.id,
      customer: ticket.customer,
      customerName: ticket.customerName || undefined,
      cc: mail.cc.map((a) => a.address).join(', ') || undefined,
      subject: mail.subject || '(no subject)',
      taggedSubject: taggedSubject(ticket.id, mail.subject),
      department: departmentName,
      priority: ticket.priority,
      dueLocal: formatLocal(new Date(ticket.dueAt), dept.businessHours.timeZone),
      routingReason: routing.reason,
      // Priority, language and an automatic answer: the reasons after the department's.
      otherReasons: routing.reasons?.slice(1),
      autoAnswered: ticket.needsReview ? ticket.autoAnswered : undefined,
      text: mail.text,
      attachments: attached.map((a) => ({ filename: a.filename, size: a.size })),
      linked: linked.map((l) => ({
        ...l,
        expiresLocal: formatLocal(new Date(l.expiresAt), dept.businessHours.timeZone),
      })),
    },
    { department: dept.name },
  );
  const sender = ticket.customerName
    ? `${ticket.customerName} via ${departmentName}`
    : `${ticket.customer} via ${departmentName}`;
  return {
    kind: 'agent-copy',
    ticketId: ticket.id,
    from: { address: departmentAddress(cfg, dept), name: sender },
    to: dept.agents,
    replyTo: replyAddress,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: newMessageId(cfg, messageIdSeed),
    ...replyThreading(mail),
    headers: automaticHeaders(ticket.id, 'auto-generated'),
    attachments: attached,
  };
}

/** The escalation to the department lead when the response target is missed (the assignee in copy). */
export function composeEscalation(input: {
  cfg: TriageConfig;
  dept: Department;
  ticket: Ticket;
  templates: TemplateRegistry;
  messageIdSeed: string;
  replyAddress: string;
  now: Date;
}): OutgoingMail {
  const { cfg, dept, ticket, templates, messageIdSeed, replyAddress, now } = input;
  const departmentName = dept.displayName ?? dept.name;
  const rendered = templates.render(
    'escalation',
    {
      ticketId: ticket.id,
      customer: ticket.customer,
      subject: ticket.subject,
      department: departmentName,
      priority: ticket.priority,
      createdLocal: formatLocal(new Date(ticket.createdAt), dept.businessHours.timeZone),
      dueLocal: formatLocal(new Date(currentDueAt(ticket)), dept.businessHours.timeZone),
      assignee: ticket.assignee,
      nowLocal: formatLocal(now, dept.businessHours.timeZone),
      agents: dept.agents.join(', '),
      lead: dept.lead,
    },
    { department: dept.name },
  );
  return {
    kind: 'escalation',
    ticketId: ticket.id,
    from: { address: departmentAddress(cfg, dept), name: `${cfg.companyName} ticket timer` },
    to: [dept.lead],
    cc: ticket.assignee && ticket.assignee !== dept.lead ? [ticket.assignee] : undefined,
    replyTo: replyAddress,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: newMessageId(cfg, messageIdSeed),
    headers: automaticHeaders(ticket.id, 'auto-generated'),
  };
}

/** Threads a mail to the customer under their conversation: in reply to their latest mail, referencing their first. */
export function customerThreading(
  ticket: Pick<Ticket, 'messageIds' | 'lastCustomerMessageId'>,
): Pick<OutgoingMail, 'inReplyTo' | 'references'> {
  const first = ticket.messageIds[0];
  const last = ticket.lastCustomerMessageId ?? first;
  return { inReplyTo: last, references: [...new Set([first, last].filter((id): id is string => Boolean(id)))] };
}

/**
 * An agent's answer, relayed to the customer (and the other participants) from the department
 * address: the agent's own address never shows. Threaded to the customer's latest mail.
 */
export function composeRelay(input: {
  cfg: TriageConfig;
  dept: Department;
  ticket: Ticket;
  body: string;
  attachments: InboundMail['attachments'];
  templates: TemplateRegistry;
  messageIdSeed: string;
}): OutgoingMail {
  const { cfg, dept, ticket, body, attachments, templates, messageIdSeed } = input;
  const departmentName = dept.displayName ?? dept.name;
  const rendered = templates.render(
    'relay',
    { ticketId: ticket.id, subject: ticket.subject, body, company: cfg.companyName, department: departmentName },
    { department: dept.name, language: ticket.language },
  );
  const others = ticket.participants.filter((p) => p !== ticket.customer);
  return {
    kind: 'relay',
    ticketId: ticket.id,
    from: { address: departmentAddress(cfg, dept), name: `${cfg.companyName} ${departmentName}` },
    to: [ticket.customer],
    cc: others.length ? others : undefined,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: newMessageId(cfg, messageIdSeed),
    ...customerThreading(ticket),
    // No Auto-Submitted: this is a person's answer. The ticket header lets our gate recognise it if it comes back.
    headers: { 'X-Triage-Ticket': ticket.id },
    attachments,
  };
}

/** An internal note (`#note`), copied to the department's other agents. */
export function composeNote(input: {
  cfg: TriageConfig;
  dept: Department;
  ticket: Ticket;
  author: string;
  body: string;
  templates: TemplateRegistry;
  messageIdSeed: string;
  replyAddress: string;
}): OutgoingMail {
  const { cfg, dept, ticket, author, body, templates, messageIdSeed, replyAddress } = input;
  const rendered = templates.render(
    'note',
    { ticketId: ticket.id, subject: ticket.subject, author, body, department: dept.displayName ?? dept.name },
    { department: dept.name },
  );
  const to = [...new Set([...dept.agents, dept.lead])].filter((a) => a !== author);
  return {
    kind: 'note',
    ticketId: ticket.id,
    from: { address: departmentAddress(cfg, dept), name: `${author} (internal note)` },
    to: to.length ? to : [author],
    replyTo: replyAddress,
    subject: rendered.subject,
    text: rendered.text,
    messageId: newMessageId(cfg, messageIdSeed),
    headers: automaticHeaders(ticket.id, 'auto-generated'),
  };
}

/** A short notice to the agent whose mail was not relayed (never sent for machine mail). */
export function composeAgentNotice(input: {
  cfg: TriageConfig;
  dept: Department;
  ticketId: string;
  to: string;
  subject: string;
  templates: TemplateRegistry;
  messageIdSeed: string;
  inReplyTo?: string;
  problem: { kind: 'refusal'; reason: string } | { kind: 'command-error'; errors: string[]; help: string[] };
}): OutgoingMail {
  const { cfg, dept, ticketId, to, subject, templates, messageIdSeed, inReplyTo, problem } = input;
  const rendered =
    problem.kind === 'refusal'
      ? templates.render('refusal-notice', { ticketId, subject, reason: problem.reason }, { department: dept.name })
      : templates.render(
          'command-error',
          { ticketId, subject, errors: problem.errors, help: problem.help },
          { department: dept.name },
        );
  return {
    kind: problem.kind === 'refusal' ? 'refusal-notice' : 'command-error',
    ticketId,
    from: { address: departmentAddress(cfg, dept), name: `${cfg.companyName} ticket desk` },
    to: [to],
    subject: rendered.subject,
    text: rendered.text,
    messageId: newMessageId(cfg, messageIdSeed),
    inReplyTo,
    references: inReplyTo ? [inReplyTo] : undefined,
    headers: automaticHeaders(ticketId, 'auto-replied'),
  };
}
