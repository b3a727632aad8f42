import { automaticHeaders, customerThreading, departmentAddress, newMessageId } from './compose';
import type { Department, TriageConfig } from './config';
import type { OutgoingMail } from './outgoing';
import type { RenderedMail, TemplateRegistry } from './templates';
import { currentDueAt, taggedSubject, type Ticket } from './ticket';
import { formatLocal } from './turnaround';

/** The three answers of the satisfaction survey, each a signed link to a page that asks to confirm. */
export interface SurveyLinks {
  good: string;
  okay: string;
  bad: string;
}

interface TimerMailInput {
  cfg: TriageConfig;
  dept: Department;
  ticket: Ticket;
  templates: TemplateRegistry;
  messageIdSeed: string;
  now: Date;
}

const departmentName = (dept: Department) => dept.displayName ?? dept.name;

/** A timer's mail to the customer: from the department address, in their thread, marked automatic. */
function toCustomer(
  kind: string,
  { cfg, dept, ticket, messageIdSeed }: TimerMailInput,
  rendered: RenderedMail,
): OutgoingMail {
  return {
    kind,
    ticketId: ticket.id,
    from: { address: departmentAddress(cfg, dept), name: `${cfg.companyName} ${departmentName(dept)}` },
    to: [ticket.customer],
    subject: rendered.subject,
    text: rendered.text,
    messageId: newMessageId(cfg, messageIdSeed),
    ...customerThreading(ticket),
    headers: automaticHeaders(ticket.id, 'auto-generated'),
  };
}

/** Whether the customer opted in to hear about offers (an address or `@domain` in the department's list). */
export function optedInToOffers(dept: Department, customer: string): boolean {
  const list = dept.offers?.optedIn ?? [];
  const address = customer.toLowerCase();
  return list.some((entry) => (entry.startsWith('@') ? address.endsWith(entry) : address === entry));
}

/** The warning to the assignee (or the department's agents) that a response is nearly due. */
export function composeDueWarning(input: TimerMailInput & { replyAddress: string }): OutgoingMail {
  const { cfg, dept, ticket, templates, messageIdSeed, now, replyAddress } = input;
  const rendered = templates.render(
    'due-warning',
    {
      ticketId: ticket.id,
      customer: ticket.customer,
      subject: ticket.subject,
      department: departmentName(dept),
      priority: ticket.priority,
      assignee: ticket.assignee,
      dueLocal: formatLocal(new Date(currentDueAt(ticket)), dept.businessHours.timeZone),
      nowLocal: formatLocal(now, dept.businessHours.timeZone),
      lead: dept.lead,
    },
    { department: dept.name },
  );
  return {
    kind: 'due-warning',
    ticketId: ticket.id,
    from: { address: departmentAddress(cfg, dept), name: `${cfg.companyName} ticket timer` },
    to: ticket.assignee ? [ticket.assignee] : dept.agents,
    replyTo: replyAddress,
    subject: rendered.subject,
    text: rendered.text,
    messageId: newMessageId(cfg, messageIdSeed),
    headers: automaticHeaders(ticket.id, 'auto-generated'),
  };
}

/**
 * The follow-up to the customer some business days after an answer: did it solve the problem? If not,
 * reply, ask for a call back, or chat (the department's phone and chat link); the offers block only
 * for customers who opted in.
 */
export function composeFollowUp(input: TimerMailInput): OutgoingMail {
  const { cfg, dept, ticket, templates } = input;
  const from = departmentAddress(cfg, dept);
  const callBackSubject = `${taggedSubject(ticket.id, ticket.subject)} - please call me back`;
  const rendered = templates.render(
    'follow-up',
    {
      ticketId: ticket.id,
      customerName: ticket.customerName || undefined,
      subject: ticket.subject,
      department: departmentName(dept),
      company: cfg.companyName,
      phone: dept.contact.phone,
      chatUrl: dept.contact.chatUrl,
      // A mailto link, so that a call-back request is an ordinary reply on the ticket: it reopens it and reaches the agents.
      callBackUrl: dept.contact.phone
        ? `mailto:${from}?subject=${encodeURIComponent(callBackSubject)}&body=${encodeURIComponent('Please call me back at this number: ')}`
        : undefined,
      autoCloseDays: dept.timers.autoCloseAfterBusinessDays || undefined,
      offers: optedInToOffers(dept, ticket.customer) ? dept.offers?.text : undefined,
    },
    { department: dept.name, language: ticket.language },
  );
  return toCustomer('follow-up', input, rendered);
}

/** The short closing note after the quiet period, with the survey links when the department asks. */
export function composeClosingNote(input: TimerMailInput & { survey?: SurveyLinks }): OutgoingMail {
  const { cfg, dept, ticket, templates, survey } = input;
  const rendered = templates.render(
    'closing-note',
    {
      ticketId: ticket.id,
      customerName: ticket.customerName || undefined,
      subject: ticket.subject,
      department: departmentName(dept),
      company: cfg.companyName,
      reopenWithinDays: cfg.reopenWithinDays || undefined,
      survey,
    },
    { department: dept.name, language: ticket.language },
  );
  return toCustomer('closing', input, rendered);
}

/** The one-question survey after an agent closed the ticket. */
export function composeSurvey(input: TimerMailInput & { survey: SurveyLinks }): OutgoingMail {
  const { cfg, dept, ticket, templates, survey } = input;
  const rendered = templates.render(
    'survey',
    {
      ticketId: ticket.id,
      customerName: ticket.customerName || undefined,
      subject: ticket.subject,
      department: departmentName(dept),
      company: cfg.companyName,
      survey,
    },
    { department: dept.name, language: ticket.language },
  );
  return toCustomer('survey', input, rendered);
}
