import { Option, type Command } from 'commander';
import { TICKET_STATUSES, type TicketStatus } from '../../../functions/domain/ticket';
import { print, printJson } from '../output';
import { table } from '../table';
import { addTargetOptions, type TargetOptions, withTarget } from '../targets/open-target';
import { checkDepartment, filterTickets, TICKET_COLUMNS, ticketJson, ticketRow } from '../tickets';

interface TicketsOptions extends TargetOptions {
  json?: boolean;
  department?: string;
  status?: TicketStatus;
  overdue?: boolean;
  customer?: string;
}

/** `triage tickets`: list tickets, with filters. */
export function registerTickets(program: Command): void {
  addTargetOptions(
    program
      .command('tickets')
      .summary('list tickets, oldest first (filters: department, status, overdue, customer)')
      .description(
        'List tickets, oldest first. Filters combine: --department billing --overdue lists billing tickets past due.',
      )
      .option('--json', 'one JSON object per line')
      .option('--department <name>', 'only this department')
      .addOption(new Option('--status <status>', 'only this status').choices([...TICKET_STATUSES]))
      .option('--overdue', 'only tickets past their first-response due time, unanswered and not closed')
      .option('--customer <address>', "only this customer's tickets"),
  ).action(async (opts: TicketsOptions) =>
    withTarget(opts, async (target) => {
      const department = checkDepartment(target.departments, opts.department);
      const listed = await target.repository.listTickets({ department, status: opts.status });
      const tickets = filterTickets(listed, opts, new Date());
      if (opts.json) {
        for (const t of tickets) printJson(ticketJson(t));
        return;
      }
      if (tickets.length === 0) {
        print('no tickets');
        return;
      }
      print(table(TICKET_COLUMNS, tickets.map(ticketRow)));
    }),
  );
}
