import type { Command } from 'commander';
import type { Ticket } from '../../../functions/domain/ticket';
import { backlogRows, weekEnding, weeklyRows, type WeeklyReport } from '../../../functions/domain/weekly-report';
import { CliError } from '../errors';
import { Progress, print, printJson } from '../output';
import { buildReport, reportRows } from '../report';
import { table } from '../table';
import { addTargetOptions, type TargetOptions, withTarget } from '../targets/open-target';
import { ReportFailure, type Target } from '../targets/target';
import { checkDepartment } from '../tickets';

interface ReportOptions extends TargetOptions {
  json?: boolean;
  department?: string;
  progress?: boolean;
  week?: boolean;
  ending?: string;
  send?: boolean;
}

/** The weekly report as tables: figures per department, keywords, backlog, missed tickets. */
function printWeekly(report: WeeklyReport): void {
  print(`Week ${report.week.from} to ${report.week.to} (UTC); first response in business hours of each department`);
  print('');
  const main = weeklyRows(report);
  print(table(main.columns, main.rows));
  print('');
  print(`top keywords: ${report.overall.topKeywords.map((k) => `${k.keyword} (${k.count})`).join(', ') || 'none'}`);
  print('');
  print(`open backlog by age, as of ${report.backlogAsOf}:`);
  const backlog = backlogRows(report);
  print(table(backlog.columns, backlog.rows));
  if (report.missed.length) {
    print('');
    print('missed the first-response target:');
    print(
      table(
        ['ticket', 'department', 'why'],
        report.missed.map((m) => [m.id, m.department, m.why]),
        80,
      ),
    );
  }
}

/** `--week`: the report function of the target builds the figures (and mails them with `--send`). */
async function weekly(target: Target, opts: ReportOptions): Promise<void> {
  if (opts.department)
    throw new CliError('--department does not go with --week: the weekly report covers every department');
  if (opts.ending) {
    try {
      weekEnding(opts.ending);
    } catch (err) {
      throw new CliError(`--ending: ${(err as Error).message}`);
    }
  }
  let result: Awaited<ReturnType<Target['invokeWeeklyReport']>>;
  try {
    result = await target.invokeWeeklyReport({ ending: opts.ending, send: Boolean(opts.send) });
  } catch (err) {
    if (err instanceof ReportFailure) throw new CliError(`the report function failed: ${err.message}`);
    throw err;
  }
  if (opts.json) printJson(result);
  else printWeekly(result.report);
  if (opts.send && !opts.json) {
    print('');
    print(
      result.sent ? `sent to ${result.sent.to.join(', ')} (${result.sent.messageId})` : `not sent: ${result.notSent}`,
    );
  }
  if (opts.send && !result.sent) process.exitCode = 1;
}

/** `triage report`: ticket counts, first-response times and missed targets per department; `--week`: the weekly report. */
export function registerReport(program: Command): void {
  addTargetOptions(
    program
      .command('report')
      .summary('tickets per department and status, first-response times, missed targets; --week: the weekly report')
      .description(
        'Tickets per department and status, median and p90 first-response time (of answered tickets), tickets that missed their first-response target (breached) and those overdue now.\n' +
          'With --week: the weekly report the managers get by mail (new tickets, first response in business hours, missed targets, share answered automatically, top keywords, open backlog by age), ' +
          'built by the deployed report function; --send also mails it to reports.weekly.to (locally: into the outbox).',
      )
      .option('--json', 'one JSON object (with --week: { report, sent?, notSent? })')
      .option('--department <name>', 'only this department')
      .option('--progress', 'report progress on stderr even when it is not a terminal')
      .option('--week', 'the weekly report of the 7 days ending with --ending (default: yesterday, UTC)')
      .option('--ending <date>', 'with --week: the last day of the week, YYYY-MM-DD (UTC)')
      .option('--send', 'with --week: also mail it to reports.weekly.to, as the schedule does'),
  ).action(async (opts: ReportOptions) =>
    withTarget(opts, async (target) => {
      if (opts.week) return weekly(target, opts);
      if (opts.ending || opts.send) throw new CliError('--ending and --send go with --week');
      const department = checkDepartment(target.departments, opts.department);
      const departments = department ? [department] : [...target.departments];
      const progress = new Progress('reading tickets', { force: opts.progress });
      const tickets: Ticket[] = [];
      for (const [i, name] of departments.entries()) {
        progress.update(i, departments.length, `${name} (${tickets.length} tickets so far)`);
        tickets.push(...(await target.repository.listTickets({ department: name })));
      }
      progress.update(departments.length, departments.length, `${tickets.length} tickets`);
      progress.finish();
      const report = buildReport(tickets, departments);
      if (opts.json) {
        printJson(report);
        return;
      }
      const { columns, rows } = reportRows(report);
      print(table(columns, rows));
    }),
  );
}
