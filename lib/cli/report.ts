import { TICKET_STATUSES, type Ticket, type TicketStatus } from '../../functions/domain/ticket';
import { isOverdue } from './tickets';
import { median, percentile } from '../../functions/domain/statistics';

/**
 * `triage report`: volumes, first-response times and missed targets, per department and overall.
 * Pure functions over tickets, so a weekly report (a period, a mail to the managers) can build on them.
 */

export interface FirstResponseStats {
  /** tickets with a first response */
  answered: number;
  /** median minutes from the mail to the first response (null without answers) */
  medianMinutes: number | null;
  /** 90th percentile, nearest rank */
  p90Minutes: number | null;
}

export interface ReportLine {
  /** a department's name, or `all` */
  department: string;
  total: number;
  byStatus: Record<TicketStatus, number>;
  firstResponse: FirstResponseStats;
  /** missed the first-response target: answered late, escalated, or unanswered past due */
  breached: number;
  /** not answered, not closed, past due now */
  overdue: number;
}

export interface TicketReport {
  generatedAt: string;
  departments: ReportLine[];
  overall: ReportLine;
}

export { median, percentile } from '../../functions/domain/statistics';

/** Minutes from the customer's mail to the first response, when there was one. */
export function firstResponseMinutes(t: Ticket): number | undefined {
  if (!t.firstResponseAt) return undefined;
  const minutes = (Date.parse(t.firstResponseAt) - Date.parse(t.createdAt)) / 60_000;
  return Number.isFinite(minutes) && minutes >= 0 ? minutes : undefined;
}

/** Missed its first-response target: flagged or escalated, answered after it was due, or still unanswered past due. */
export function isBreached(t: Ticket, now: Date): boolean {
  if (t.breached || t.escalatedAt) return true;
  if (t.firstResponseAt) return Date.parse(t.firstResponseAt) > Date.parse(t.dueAt);
  return isOverdue(t, now);
}

const round = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

function line(department: string, tickets: Ticket[], now: Date): ReportLine {
  const byStatus = Object.fromEntries(TICKET_STATUSES.map((s) => [s, 0])) as Record<TicketStatus, number>;
  for (const t of tickets) byStatus[t.status] = (byStatus[t.status] ?? 0) + 1;
  const minutes = tickets
    .map(firstResponseMinutes)
    .filter((m): m is number => m !== undefined)
    .sort((a, b) => a - b);
  return {
    department,
    total: tickets.length,
    byStatus,
    firstResponse: {
      answered: minutes.length,
      medianMinutes: round(median(minutes)),
      p90Minutes: round(percentile(minutes, 90)),
    },
    breached: tickets.filter((t) => isBreached(t, now)).length,
    overdue: tickets.filter((t) => isOverdue(t, now)).length,
  };
}

/** The report over `tickets`; every department in `departments` gets a line, with or without tickets. */
export function buildReport(tickets: Ticket[], departments: readonly string[], now = new Date()): TicketReport {
  const names = [...departments, ...new Set(tickets.map((t) => t.department).filter((d) => !departments.includes(d)))];
  return {
    generatedAt: now.toISOString(),
    departments: names.map((d) =>
      line(
        d,
        tickets.filter((t) => t.department === d),
        now,
      ),
    ),
    overall: line('all', tickets, now),
  };
}

/** `95.5` minutes -> `1h 36m`; null -> `-`. */
export function formatMinutes(minutes: number | null): string {
  if (minutes === null) return '-';
  if (minutes < 60) return `${Math.round(minutes)}m`;
  const h = Math.floor(minutes / 60);
  const m = Math.round(minutes - h * 60);
  return h < 48 ? `${h}h ${m}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** The report's table rows (header first). */
export function reportRows(report: TicketReport): { columns: string[]; rows: string[][] } {
  const columns = [
    'department',
    'total',
    ...TICKET_STATUSES,
    'answered',
    'median first response',
    'p90',
    'breached',
    'overdue',
  ];
  const row = (l: ReportLine) => [
    l.department,
    String(l.total),
    ...TICKET_STATUSES.map((s) => String(l.byStatus[s])),
    String(l.firstResponse.answered),
    formatMinutes(l.firstResponse.medianMinutes),
    formatMinutes(l.firstResponse.p90Minutes),
    String(l.breached),
    String(l.overdue),
  ];
  return { columns, rows: [...report.departments.map(row), row(report.overall)] };
}
