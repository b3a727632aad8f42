import { randomUUID } from 'node:crypto';
import type { TriageConfig } from '../domain/config';
import type { RoutingDecision } from '../domain/route';
import type { TemplateRegistry } from '../domain/templates';
import type { Ticket, TicketStatus } from '../domain/ticket';
import {
  buildWeeklyReport,
  defaultEnding,
  weekEnding,
  type ReportWeek,
  type WeeklyReport,
} from '../domain/weekly-report';
import { composeWeeklyReport } from '../domain/weekly-report-mail';
import type { Mailer, TicketRepository } from '../ports';

export interface WeeklyReportDependencies {
  config: TriageConfig;
  templates: TemplateRegistry;
  repository: TicketRepository;
  mailer: Mailer;
  now?: () => Date;
}

/** What the scheduled rule (`{ send: true }`) or the CLI (`triage report --week [--send] [--ending DATE]`) asks for. */
export interface WeeklyReportRequest {
  /** Last day of the week, YYYY-MM-DD (UTC). @default yesterday */
  ending?: string;
  /** Mail it to `reports.weekly.to`. @default false */
  send?: boolean;
}

export interface WeeklyReportResult {
  report: WeeklyReport;
  /** Set when the report was mailed. */
  sent?: { to: string[]; messageId: string; suppressed?: string[] };
  /** Why it was not mailed although asked to. */
  notSent?: string;
}

/** A bad request (a date that is not one): the handler reports it as the caller's mistake. */
export class WeeklyReportRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeeklyReportRequestError';
  }
}

const NOT_CLOSED: TicketStatus[] = ['open', 'waiting', 'pending'];

/**
 * Builds the weekly report from the ticket table and, when asked, mails it to the managers.
 *
 * Reading: no table scan. The tickets are read from the `byDepartmentStatus` index, one query per
 * department and status: every ticket not closed (the backlog needs them all), and the closed ones
 * due since the week began (a ticket is due after it was created, so every ticket created in the week
 * is among them). Then one query per new ticket for its first customer message (its routing
 * decision, for the keywords). At a few thousand tickets a week that is a few thousand small reads,
 * well inside one invocation; far beyond that, keep a per-week item instead.
 *
 * Primary course:
 * 1. Resolve the week (ending yesterday unless the request names the last day).
 * 2. Collect its tickets and the first routing decision of each new one.
 * 3. Build the report.
 * 4. When asked to send, mail it to `reports.weekly.to` (minus suppressed addresses).
 */
export class RunWeeklyReport {
  private readonly now: () => Date;
  constructor(private readonly deps: WeeklyReportDependencies) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The tickets the report needs and the first routing decision of each new one. */
  async collect(
    week: ReportWeek,
  ): Promise<{ tickets: Ticket[]; firstRouting: Map<string, RoutingDecision | undefined> }> {
    const { repository, config } = this.deps;
    // by id: a ticket whose status changes between two queries may be read under both
    const byId = new Map<string, Ticket>();
    for (const { name } of config.departments) {
      for (const status of NOT_CLOSED)
        for (const t of await repository.listTickets({ department: name, status })) byId.set(t.id, t);
      for (const t of await repository.listTickets({ department: name, status: 'closed', dueFrom: week.start }))
        byId.set(t.id, t);
    }
    const tickets = [...byId.values()];
    const start = Date.parse(week.start);
    const end = Date.parse(week.end);
    const firstRouting = new Map<string, RoutingDecision | undefined>();
    for (const t of tickets) {
      const created = Date.parse(t.createdAt);
      if (created < start || created >= end) continue;
      const first = (await repository.listMessages(t.id))
        .filter((m) => m.direction === 'in' && m.kind === 'customer')
        .sort((a, b) => a.at.localeCompare(b.at))[0];
      firstRouting.set(t.id, first?.routing);
    }
    return { tickets, firstRouting };
  }

  async execute(request: WeeklyReportRequest = {}): Promise<WeeklyReportResult> {
    const { config, templates, mailer } = this.deps;
    const now = this.now();
    let week: ReportWeek;
    try {
      week = weekEnding(request.ending ?? defaultEnding(now));
    } catch (err) {
      throw new WeeklyReportRequestError(`ending: ${(err as Error).message}`);
    }
    const { tickets, firstRouting } = await this.collect(week);
    const report = buildWeeklyReport({ config, week, tickets, firstRouting, now });
    if (!request.send) return { report };
    const to = config.reports.weekly.to;
    if (to.length === 0)
      return { report, notSent: 'reports.weekly.to is empty in the config: nobody to send the report to' };
    const mail = composeWeeklyReport({
      cfg: config,
      report,
      to,
      templates,
      messageIdSeed: `report.${week.to}.${randomUUID()}`,
    });
    const sent = await mailer.send(mail);
    if (!sent.sesMessageId)
      return { report, notSent: `every recipient is on the suppression list: ${(sent.suppressed ?? []).join(', ')}` };
    return {
      report,
      sent: {
        to: to.filter((a) => !(sent.suppressed ?? []).includes(a)),
        messageId: sent.deliveredMessageId,
        ...(sent.suppressed?.length ? { suppressed: sent.suppressed } : {}),
      },
    };
  }
}
