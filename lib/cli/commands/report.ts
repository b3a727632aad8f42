import type { Command } from 'commander';
import type { Ticket } from '../../../functions/domain/ticket';
import { Progress, print, printJson } from '../output';
import { buildReport, reportRows } from '../report';
import { table } from '../table';
import { addTargetOptions, type TargetOptions, withTarget } from '../targets/target';
import { checkDepartment } from '../tickets';

interface ReportOptions extends TargetOptions {
  json?: boolean;
  department?: string;
  progress?: boolean;
}

/** `triage report`: ticket counts, first-response times and missed targets per department. */
export function registerReport(program: Command): void {
  addTargetOptions(
    program
      .command('report')
      .summary('tickets per department and status, first-response times, missed targets')
      .description('Tickets per department and status, median and p90 first-response time (of answered tickets), tickets that missed their first-response target (breached) and those overdue now.')
      .option('--json', 'one JSON object: departments[], overall')
      .option('--department <name>', 'only this department')
      .option('--progress', 'report progress on stderr even when it is not a terminal'),
  ).action(async (opts: ReportOptions) =>
    withTarget(opts, async (target) => {
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
