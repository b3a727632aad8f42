import type { Ticket, TicketStatus } from '../../functions/domain/ticket';
import { CliError } from './errors';
import { print, printJson } from './output';

/** The columns of `triage tickets`. */
export const TICKET_COLUMNS = ['id', 'department', 'status', 'priority', 'customer', 'subject', 'due'];

export function ticketRow(t: Ticket): string[] {
  return [t.id, t.department, t.status, t.priority, t.customer, t.subject, t.dueAt];
}

/** The public view of a ticket in `--json` output: the stored ticket as it is. */
export function ticketJson(t: Ticket): Ticket {
  return { ...t };
}

/** What `triage tickets` can filter on. */
export interface TicketQuery {
  department?: string;
  status?: TicketStatus;
  /** due, not answered, not closed */
  overdue?: boolean;
  /** the customer's address (case ignored) */
  customer?: string;
}

/** Still waiting for its first response after it was due (and not closed). */
export function isOverdue(t: Ticket, now: Date): boolean {
  return !t.firstResponseAt && t.status !== 'closed' && Date.parse(t.dueAt) < now.getTime();
}

/** Applies the filters the index cannot (department and status are applied by the query). */
export function filterTickets(tickets: Ticket[], query: TicketQuery, now: Date): Ticket[] {
  const customer = query.customer?.trim().toLowerCase();
  return tickets.filter(
    (t) =>
      (!query.department || t.department === query.department) &&
      (!query.status || t.status === query.status) &&
      (!query.overdue || isOverdue(t, now)) &&
      (!customer || t.customer.toLowerCase() === customer),
  );
}

/** The department name, if the target knows it; else a one-line error listing the known ones. */
export function checkDepartment(departments: readonly string[], name: string | undefined): string | undefined {
  if (name === undefined || departments.includes(name)) return name;
  throw new CliError(`unknown department "${name}"; known: ${departments.join(', ')}`);
}

/** A ticket id as typed (`bil-1001`) -> as stored (`BIL-1001`), or a one-line error. */
export function ticketId(input: string): string {
  const id = input.trim().toUpperCase();
  if (!/^[A-Z]{2,5}-\d+$/.test(id)) throw new CliError(`"${input}" is not a ticket id such as BIL-1042`);
  return id;
}

/** Prints the result of an operator action: the ticket as JSON, or one line saying what changed. */
export function printChange(ticket: Ticket, change: string, json: boolean | undefined): void {
  if (json) printJson(ticketJson(ticket));
  else print(`${ticket.id} ${change}`);
}
