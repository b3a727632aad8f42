import type { Department, TriageConfig } from './config';
import type { RoutingDecision } from './route';
import { median, percentile } from './statistics';
import type { Ticket } from './ticket';
import { businessHoursBetween } from './turnaround';

/**
 * The weekly report for the managers: per department and overall, the new tickets of one week,
 * their first-response times in business hours (each in its department's calendar), the tickets
 * that missed the target, the share answered automatically, the keywords that placed mail, and the
 * open backlog by age. Pure: the caller reads the tickets and their first routing decisions.
 */

const DAY_MS = 86_400_000;

/** A report week: seven UTC days, `start` inclusive, `end` exclusive. */
export interface ReportWeek {
  /** First day, YYYY-MM-DD. */
  from: string;
  /** Last day, YYYY-MM-DD (the `--ending` date). */
  to: string;
  start: string;
  end: string;
}

/** The week of seven UTC days that ends with `ending` (YYYY-MM-DD, inclusive). */
export function weekEnding(ending: string): ReportWeek {
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(ending) ||
    Number.isNaN(Date.parse(`${ending}T00:00:00Z`)) ||
    new Date(`${ending}T00:00:00Z`).toISOString().slice(0, 10) !== ending
  ) {
    throw new RangeError(`expected a date as YYYY-MM-DD, got ${JSON.stringify(ending)}`);
  }
  const end = Date.parse(`${ending}T00:00:00Z`) + DAY_MS;
  const start = end - 7 * DAY_MS;
  return {
    from: new Date(start).toISOString().slice(0, 10),
    to: ending,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
  };
}

/** The last full day before `now` (UTC): a report run on Monday morning covers Monday to Sunday. */
export function defaultEnding(now: Date): string {
  return new Date(now.getTime() - DAY_MS).toISOString().slice(0, 10);
}

/** Age buckets of the open backlog. */
export const BACKLOG_BUCKETS = ['<1d', '1-3d', '3-7d', '>7d'] as const;
export type BacklogBucket = (typeof BACKLOG_BUCKETS)[number];

export interface WeeklyFigures {
  /** A department's name, or `all`. */
  department: string;
  /** Tickets created in the week. */
  newTickets: number;
  /** Of the week's new tickets that were answered: business hours from the mail to the first answer. */
  firstResponse: { answered: number; medianBusinessHours: number | null; p90BusinessHours: number | null };
  /** Of the week's new tickets: escalated, answered after the due time, or unanswered past it now. */
  missedTarget: number;
  /** Of the week's new tickets: those whose acknowledgement carried an automatic answer (`autoAnswered`). */
  autoAnswered: { count: number; share: number | null };
  /** Keywords that placed the week's new mail (general address), most frequent first. */
  topKeywords: { keyword: string; count: number }[];
  /** Tickets not closed when the report was made, by age. */
  backlog: Record<BacklogBucket, number> & { total: number };
}

export interface MissedTicket {
  id: string;
  department: string;
  why: string;
}

export interface WeeklyReport {
  week: ReportWeek;
  generatedAt: string;
  /** The backlog is the one at this moment (the report's making), not at the end of the week. */
  backlogAsOf: string;
  departments: WeeklyFigures[];
  overall: WeeklyFigures;
  /** The week's new tickets that missed the first-response target, and why. */
  missed: MissedTicket[];
}

export interface WeeklyReportInput {
  config: Pick<TriageConfig, 'departments' | 'triageQueue'>;
  week: ReportWeek;
  /** Every ticket created in the week, and every ticket not closed (for the backlog); others are ignored. */
  tickets: readonly Ticket[];
  /** The routing decision stored on each new ticket's first customer message, by ticket id. */
  firstRouting: ReadonlyMap<string, RoutingDecision | undefined>;
  now: Date;
  /** How many keywords to list per department (overall: twice as many). @default 5 */
  keywordsPerDepartment?: number;
}

/**
 * The FAQ answer id set on a ticket whose ack answered it automatically. Another part of the system
 * owns the field; it is read defensively here (absent or not a non-empty string: not answered).
 */
function autoAnswered(t: Ticket): boolean {
  const value = (t as Ticket & { autoAnswered?: unknown }).autoAnswered;
  return typeof value === 'string' && value.length > 0;
}

/** Why a ticket missed its first-response target, or undefined when it did not (yet). */
export function missedBecause(t: Ticket, now: Date): string | undefined {
  if (t.breached || t.escalatedAt) return 'escalated: no answer by the due time';
  if (t.firstResponseAt)
    return Date.parse(t.firstResponseAt) > Date.parse(t.dueAt)
      ? `answered late (${t.firstResponseAt}, due ${t.dueAt})`
      : undefined;
  if (t.status !== 'closed' && Date.parse(t.dueAt) < now.getTime()) return `unanswered, due ${t.dueAt}`;
  return undefined;
}

/** `refund (subject)` -> `refund`: the keyword a routing decision matched, without where. */
function keywordsOf(routing: RoutingDecision | undefined): string[] {
  if (!routing || routing.rule === 'address') return [];
  return [
    ...new Set(
      routing.matched.map((m) => m.replace(/\s*\((subject|body)\)$/, '').trim()).filter((m) => m && !m.includes('@')),
    ),
  ];
}

function bucketOf(ageMs: number): BacklogBucket {
  if (ageMs < DAY_MS) return '<1d';
  if (ageMs < 3 * DAY_MS) return '1-3d';
  if (ageMs < 7 * DAY_MS) return '3-7d';
  return '>7d';
}

const round = (n: number | null, places = 2) => (n === null ? null : Math.round(n * 10 ** places) / 10 ** places);

function figures(
  department: string,
  created: Ticket[],
  open: Ticket[],
  input: WeeklyReportInput,
  calendarOf: (t: Ticket) => Department['businessHours'],
  keywordLimit: number,
): WeeklyFigures {
  const hours = created
    .filter((t) => t.firstResponseAt)
    .map((t) => businessHoursBetween(new Date(t.createdAt), new Date(t.firstResponseAt!), calendarOf(t)))
    .sort((a, b) => a - b);
  const keywordCounts = new Map<string, number>();
  for (const t of created)
    for (const k of keywordsOf(input.firstRouting.get(t.id))) keywordCounts.set(k, (keywordCounts.get(k) ?? 0) + 1);
  const backlog = { '<1d': 0, '1-3d': 0, '3-7d': 0, '>7d': 0, total: 0 };
  for (const t of open) {
    backlog[bucketOf(input.now.getTime() - Date.parse(t.createdAt))]++;
    backlog.total++;
  }
  const auto = created.filter(autoAnswered).length;
  return {
    department,
    newTickets: created.length,
    firstResponse: {
      answered: hours.length,
      medianBusinessHours: round(median(hours)),
      p90BusinessHours: round(percentile(hours, 90)),
    },
    missedTarget: created.filter((t) => missedBecause(t, input.now)).length,
    autoAnswered: { count: auto, share: created.length ? round(auto / created.length, 4) : null },
    topKeywords: [...keywordCounts.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, keywordLimit)
      .map(([keyword, count]) => ({ keyword, count })),
    backlog,
  };
}

/** The report of one week; every configured department gets a line, with or without tickets. */
export function buildWeeklyReport(input: WeeklyReportInput): WeeklyReport {
  const { config, week, now } = input;
  const start = Date.parse(week.start);
  const end = Date.parse(week.end);
  const created = input.tickets.filter((t) => Date.parse(t.createdAt) >= start && Date.parse(t.createdAt) < end);
  // the backlog now: every ticket not closed, whenever it came
  const open = input.tickets.filter((t) => t.status !== 'closed' && Date.parse(t.createdAt) <= now.getTime());
  const fallback = config.departments.find((d) => d.name === config.triageQueue) ?? config.departments[0];
  const calendarOf = (t: Ticket) => (config.departments.find((d) => d.name === t.department) ?? fallback).businessHours;
  const names = [...config.departments.map((d) => d.name)];
  for (const t of [...created, ...open]) if (!names.includes(t.department)) names.push(t.department);
  const perDepartment = input.keywordsPerDepartment ?? 5;
  return {
    week,
    generatedAt: now.toISOString(),
    backlogAsOf: now.toISOString(),
    departments: names.map((d) =>
      figures(
        d,
        created.filter((t) => t.department === d),
        open.filter((t) => t.department === d),
        input,
        calendarOf,
        perDepartment,
      ),
    ),
    overall: figures('all', created, open, input, calendarOf, perDepartment * 2),
    missed: created
      .map((t) => ({ id: t.id, department: t.department, why: missedBecause(t, now) }))
      .filter((m): m is MissedTicket => m.why !== undefined)
      .sort((a, b) => a.id.localeCompare(b.id)),
  };
}

/** `2.5` business hours -> `2h 30m`; null -> `-`. */
export function formatBusinessHours(hours: number | null): string {
  if (hours === null) return '-';
  const minutes = Math.round(hours * 60);
  return minutes < 60 ? `${minutes}m` : `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/** `0.25` -> `25%`; null -> `-`. */
export function formatShare(share: number | null): string {
  return share === null ? '-' : `${Math.round(share * 1000) / 10}%`;
}

/** The report's main table (header first), one row per department and one for all. */
export function weeklyRows(report: WeeklyReport): { columns: string[]; rows: string[][] } {
  const columns = ['department', 'new', 'answered', 'median first response', 'p90', 'missed target', 'auto-answered'];
  const row = (f: WeeklyFigures) => [
    f.department,
    String(f.newTickets),
    String(f.firstResponse.answered),
    formatBusinessHours(f.firstResponse.medianBusinessHours),
    formatBusinessHours(f.firstResponse.p90BusinessHours),
    String(f.missedTarget),
    `${f.autoAnswered.count} (${formatShare(f.autoAnswered.share)})`,
  ];
  return { columns, rows: [...report.departments.map(row), row(report.overall)] };
}

/** The backlog table (header first). */
export function backlogRows(report: WeeklyReport): { columns: string[]; rows: string[][] } {
  const row = (f: WeeklyFigures) => [
    f.department,
    ...BACKLOG_BUCKETS.map((b) => String(f.backlog[b])),
    String(f.backlog.total),
  ];
  return {
    columns: ['department', ...BACKLOG_BUCKETS, 'total'],
    rows: [...report.departments.map(row), row(report.overall)],
  };
}
