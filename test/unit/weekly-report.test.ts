import type { RoutingDecision } from '../../functions/domain/route';
import type { Ticket } from '../../functions/domain/ticket';
import {
  buildWeeklyReport,
  defaultEnding,
  missedBecause,
  weekEnding,
  weeklyRows,
} from '../../functions/domain/weekly-report';
import { RunWeeklyReport, WeeklyReportRequestError } from '../../functions/usecases/run-weekly-report';
import { parseConfig } from '../../lib/config/schema';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CONFIG_PATH, exampleConfig, exampleTemplates } from '../support/fixtures';
import { MemoryMailer, MemoryTicketRepository } from '../support/in-memory';
import { aTicket } from '../support/tickets';

const config = exampleConfig();
// The week Monday 16 to Sunday 22 November 2026 (UTC); the report is made Monday 23, 07:00.
const week = weekEnding('2026-11-22');
const now = new Date('2026-11-23T07:00:00Z');

let n = 0;
function ticket(fields: Partial<Ticket> & Pick<Ticket, 'department' | 'createdAt' | 'dueAt'>): Ticket {
  const prefix = config.departments.find((d) => d.name === fields.department)!.prefix;
  const k = ++n;
  return aTicket({
    id: `${prefix}-${1000 + k}`,
    customer: `c${k}@example.org`,
    customerName: '',
    participants: [],
    subject: `s${k}`,
    ...fields,
  });
}

describe('report weeks', () => {
  it('is the seven UTC days ending with the date', () => {
    expect(weekEnding('2026-11-22')).toEqual({
      from: '2026-11-16',
      to: '2026-11-22',
      start: '2026-11-16T00:00:00.000Z',
      end: '2026-11-23T00:00:00.000Z',
    });
    expect(defaultEnding(now)).toBe('2026-11-22');
  });
  it.each(['2026-11-31', '22.11.2026', 'yesterday', ''])('refuses %j', (bad) => {
    expect(() => weekEnding(bad)).toThrow(/expected a date as YYYY-MM-DD/);
  });
});

describe('buildWeeklyReport', () => {
  // billing: London 09:00-17:30 Mon-Thu, 17:00 Fri; 8 business hours.
  const answeredFast = ticket({
    department: 'billing',
    createdAt: '2026-11-16T10:00:00Z',
    dueAt: '2026-11-17T10:30:00Z',
    firstResponseAt: '2026-11-16T11:00:00Z',
    status: 'waiting',
  }); // 1h
  const answeredOverWeekend = ticket({
    department: 'billing',
    createdAt: '2026-11-20T16:00:00Z',
    dueAt: '2026-11-23T15:30:00Z',
    firstResponseAt: '2026-11-23T10:00:00Z',
    status: 'closed',
    closedAt: '2026-11-23T10:05:00Z',
  }); // Fri 1h + Mon 1h = 2h
  const answeredLate = ticket({
    department: 'billing',
    createdAt: '2026-11-17T09:00:00Z',
    dueAt: '2026-11-17T17:00:00Z',
    firstResponseAt: '2026-11-18T10:00:00Z',
    status: 'waiting',
  }); // 8.5h + 1h = 9.5h, late
  const unansweredPastDue = ticket({
    department: 'billing',
    createdAt: '2026-11-18T09:00:00Z',
    dueAt: '2026-11-18T17:00:00Z',
    autoAnswered: 'faq-refunds',
  } as Partial<Ticket> & Pick<Ticket, 'department' | 'createdAt' | 'dueAt'>);
  const escalated = ticket({
    department: 'support',
    createdAt: '2026-11-19T14:00:00Z',
    dueAt: '2026-11-19T18:00:00Z',
    escalatedAt: '2026-11-19T18:00:00Z',
    breached: true,
    firstResponseAt: '2026-11-19T19:00:00Z',
    status: 'waiting',
  });
  const fromLastWeek = ticket({
    department: 'support',
    createdAt: '2026-11-05T12:00:00Z',
    dueAt: '2026-11-05T18:00:00Z',
    firstResponseAt: '2026-11-05T13:00:00Z',
    status: 'pending',
  }); // backlog >7d only
  const nextWeek = ticket({ department: 'sales', createdAt: '2026-11-23T06:00:00Z', dueAt: '2026-11-23T10:00:00Z' }); // after the week: backlog <1d only
  const oddAutoAnswered = ticket({
    department: 'sales',
    createdAt: '2026-11-21T12:00:00Z',
    dueAt: '2026-11-23T10:00:00Z',
    autoAnswered: 42,
  } as unknown as Partial<Ticket> & Pick<Ticket, 'department' | 'createdAt' | 'dueAt'>);
  const routing = (matched: string[], rule: RoutingDecision['rule'] = 'keywords'): RoutingDecision => ({
    department: 'billing',
    rule,
    matched,
    reason: '',
  });
  const tickets = [
    answeredFast,
    answeredOverWeekend,
    answeredLate,
    unansweredPastDue,
    escalated,
    fromLastWeek,
    nextWeek,
    oddAutoAnswered,
  ];
  const firstRouting = new Map<string, RoutingDecision | undefined>([
    [answeredFast.id, routing(['refund (subject)', 'invoice (body)'])],
    [answeredOverWeekend.id, routing(['refund (body)'])],
    [answeredLate.id, routing(['billing@example.com'], 'address')],
    [unansweredPastDue.id, routing(['refund (subject)', 'order (body)'], 'fallback')],
    [escalated.id, undefined],
  ]);
  const report = buildWeeklyReport({ config, week, tickets, firstRouting, now });
  const line = (d: string) => report.departments.find((f) => f.department === d)!;

  it("counts the week's new tickets per department, and every department gets a line", () => {
    expect(report.departments.map((d) => [d.department, d.newTickets])).toEqual([
      ['billing', 4],
      ['support', 1],
      ['sales', 1],
      ['triage', 0],
    ]);
    expect(report.overall.newTickets).toBe(6);
  });

  it('measures first responses in business hours of each department', () => {
    expect(line('billing').firstResponse).toEqual({ answered: 3, medianBusinessHours: 2, p90BusinessHours: 9.5 });
    // support (New York 08:00-20:00): 14:00Z = 09:00 EST to 19:00Z = 14:00 EST: 5h
    expect(line('support').firstResponse).toEqual({ answered: 1, medianBusinessHours: 5, p90BusinessHours: 5 });
    expect(report.overall.firstResponse).toEqual({ answered: 4, medianBusinessHours: 3.5, p90BusinessHours: 9.5 });
    expect(line('triage').firstResponse).toEqual({ answered: 0, medianBusinessHours: null, p90BusinessHours: null });
  });

  it('lists the tickets that missed the target, and why', () => {
    expect(line('billing').missedTarget).toBe(2);
    expect(report.overall.missedTarget).toBe(3);
    expect(report.missed).toEqual([
      {
        id: answeredLate.id,
        department: 'billing',
        why: 'answered late (2026-11-18T10:00:00Z, due 2026-11-17T17:00:00Z)',
      },
      { id: unansweredPastDue.id, department: 'billing', why: 'unanswered, due 2026-11-18T17:00:00Z' },
      { id: escalated.id, department: 'support', why: 'escalated: no answer by the due time' },
    ]);
  });

  it('counts automatic answers only where autoAnswered names an answer', () => {
    expect(line('billing').autoAnswered).toEqual({ count: 1, share: 0.25 });
    expect(line('sales').autoAnswered).toEqual({ count: 0, share: 0 });
    expect(line('triage').autoAnswered).toEqual({ count: 0, share: null });
    expect(report.overall.autoAnswered).toEqual({ count: 1, share: 0.1667 });
  });

  it("ranks the keywords that placed the week's mail (not addresses)", () => {
    expect(line('billing').topKeywords).toEqual([
      { keyword: 'refund', count: 3 },
      { keyword: 'invoice', count: 1 },
      { keyword: 'order', count: 1 },
    ]);
  });

  it('puts every ticket not closed into the backlog by age, now', () => {
    // two waiting on the customer and one open, all of 16-18 November; the one closed on Monday is out
    expect(line('billing').backlog).toEqual({ '<1d': 0, '1-3d': 0, '3-7d': 3, '>7d': 0, total: 3 });
    expect(line('support').backlog).toEqual({ '<1d': 0, '1-3d': 0, '3-7d': 1, '>7d': 1, total: 2 });
    expect(line('sales').backlog).toEqual({ '<1d': 1, '1-3d': 1, '3-7d': 0, '>7d': 0, total: 2 });
    expect(report.overall.backlog.total).toBe(7);
  });

  it('renders a table a manager can read', () => {
    const { rows } = weeklyRows(report);
    expect(rows[0]).toEqual(['billing', '4', '3', '2h 0m', '9h 30m', '2', '1 (25%)']);
    expect(rows.at(-1)![0]).toBe('all');
  });

  it('does not count a ticket closed without an answer as missed', () => {
    expect(missedBecause({ ...unansweredPastDue, status: 'closed' }, now)).toBeUndefined();
  });
});

describe('RunWeeklyReport', () => {
  async function setup(to: string[]) {
    const repository = new MemoryTicketRepository();
    const mailer = new MemoryMailer();
    const cfg = { ...config, reports: { weekly: { ...config.reports.weekly, to } } };
    await repository.createTicket(
      ticket({ department: 'billing', createdAt: '2026-11-16T10:00:00Z', dueAt: '2026-11-17T10:30:00Z' }),
    );
    await repository.createTicket(
      ticket({
        department: 'billing',
        createdAt: '2026-10-01T10:00:00Z',
        dueAt: '2026-10-01T15:00:00Z',
        status: 'closed',
        firstResponseAt: '2026-10-01T11:00:00Z',
      }),
    );
    return {
      repository,
      mailer,
      run: new RunWeeklyReport({ config: cfg, templates: exampleTemplates(), repository, mailer, now: () => now }),
    };
  }

  it('mails the report to the managers when asked', async () => {
    const { run, mailer } = await setup(['boss@example.com']);
    const result = await run.execute({ send: true });
    expect(result.report.week.to).toBe('2026-11-22');
    expect(result.report.overall.newTickets).toBe(1);
    expect(result.sent).toEqual({ to: ['boss@example.com'], messageId: '<0100-1@email.amazonses.com>' });
    const [mail] = mailer.sent;
    expect(mail).toMatchObject({
      kind: 'weekly-report',
      to: ['boss@example.com'],
      from: { address: 'help@example.com' },
      subject: 'Example Corp weekly report 2026-11-16 to 2026-11-22: 1 new tickets, 1 missed the target',
    });
    expect(mail.headers['Auto-Submitted']).toBe('auto-generated');
    expect(mail.text).toMatch(/^billing\s+1\s+0\s+-\s+-\s+1\s+0 \(0%\)$/m);
  });

  it('does not mail without recipients or without being asked', async () => {
    const { run, mailer } = await setup([]);
    expect((await run.execute({ send: true })).notSent).toMatch(/reports\.weekly\.to is empty/);
    expect((await run.execute({ ending: '2026-10-04' })).report.overall.newTickets).toBe(1);
    expect(mailer.sent).toHaveLength(0);
    await expect(run.execute({ ending: '2026-13-01' })).rejects.toBeInstanceOf(WeeklyReportRequestError);
  });
});

describe('reports config', () => {
  const raw = () => parse(readFileSync(CONFIG_PATH, 'utf8')) as Record<string, any>;
  it('defaults to nobody, Monday 07:00 UTC', () => {
    const { reports, ...rest } = raw();
    expect(reports).toBeDefined();
    expect(parseConfig(rest).reports).toEqual({ weekly: { to: [], schedule: 'cron(0 7 ? * MON *)' } });
  });
  it('takes cron and rate schedules and names a bad field with its path', () => {
    expect(
      parseConfig({ ...raw(), reports: { weekly: { to: ['Boss@Example.com'], schedule: 'rate(7 days)' } } }).reports
        .weekly,
    ).toEqual({ to: ['boss@example.com'], schedule: 'rate(7 days)' });
    expect(() => parseConfig({ ...raw(), reports: { weekly: { schedule: 'cron(0 7 * *)' } } })).toThrow(
      /reports\.weekly\.schedule: expected an EventBridge schedule/,
    );
    expect(() => parseConfig({ ...raw(), reports: { weekly: { to: ['boss'] } } })).toThrow(
      /reports\.weekly\.to\[0\]: expected an e-mail address, got "boss"/,
    );
    expect(() => parseConfig({ ...raw(), reports: { monthly: {} } })).toThrow(
      /reports: unexpected field\(s\) "monthly"/,
    );
  });
});

describe('RunWeeklyReport.collect', () => {
  it('reads the closed tickets due since the week began, every ticket not closed, and each new ticket once', async () => {
    const repository = new MemoryTicketRepository();
    const old = ticket({
      department: 'support',
      createdAt: '2026-10-01T10:00:00Z',
      dueAt: '2026-10-01T15:00:00Z',
      status: 'closed',
    });
    const oldOpen = ticket({ department: 'support', createdAt: '2026-10-01T10:00:00Z', dueAt: '2026-10-01T15:00:00Z' });
    const closedThisWeek = ticket({
      department: 'billing',
      createdAt: '2026-11-16T10:00:00Z',
      dueAt: '2026-11-17T10:30:00Z',
      status: 'closed',
    });
    for (const t of [old, oldOpen, closedThisWeek]) await repository.createTicket(t);
    const seen: unknown[] = [];
    const list = repository.listTickets.bind(repository);
    repository.listTickets = async (filter) => {
      seen.push(filter);
      // the ticket moves to closed between the two reads: it comes back twice
      return filter?.status === 'open' && filter.department === 'billing'
        ? [...(await list(filter)), { ...closedThisWeek, status: 'open' }]
        : list(filter);
    };
    const { tickets } = await new RunWeeklyReport({
      config,
      templates: exampleTemplates(),
      repository,
      mailer: new MemoryMailer(),
      now: () => now,
    }).collect(week);
    expect(tickets.map((t) => t.id).sort()).toEqual([closedThisWeek.id, oldOpen.id].sort());
    expect(seen).toContainEqual({ department: 'billing', status: 'closed', dueFrom: week.start });
    expect(seen).toHaveLength(config.departments.length * 4);
  });
});
