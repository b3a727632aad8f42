import type { Command } from 'commander';
import { CliError } from '../errors';
import { print } from '../output';
import { addTargetOptions, type TargetOptions, withTarget } from '../targets/open-target';
import { printChange, ticketId } from '../tickets';

/** `triage close ID`: closes a ticket (its timer then escalates nobody). */
export function registerClose(program: Command): void {
  addTargetOptions(
    program
      .command('close')
      .summary('close a ticket')
      .description('Close a ticket. Its pending timer re-checks the ticket when it fires and then escalates nobody.')
      .argument('<id>', 'ticket id, e.g. BIL-1001')
      .option('--json', 'print the updated ticket as one JSON object'),
  ).action(async (id: string, opts: TargetOptions & { json?: boolean }) =>
    withTarget(opts, async (target) => {
      const before = await target.repository.getTicket(ticketId(id));
      if (!before) throw new CliError(`no ticket ${id} in ${target.label}`);
      if (before.status === 'closed') {
        if (opts.json) return printChange(before, '', true);
        return print(`${before.id} is already closed${before.closedAt ? ` (since ${before.closedAt})` : ''}`);
      }
      const after = await target.repository.updateTicketStatus(before.id, 'closed', new Date());
      if (!after) throw new CliError(`no ticket ${id} in ${target.label}`);
      printChange(after, `closed (was ${before.status})`, opts.json);
    }),
  );
}
