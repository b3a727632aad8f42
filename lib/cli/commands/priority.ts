import { Argument, type Command } from 'commander';
import type { TicketPriority } from '../../../functions/domain/ticket';
import { CliError } from '../errors';
import { addTargetOptions, type TargetOptions, withTarget } from '../targets/open-target';
import { printChange, ticketId } from '../tickets';

/** The priorities a ticket can have (functions/domain/ticket.ts). */
export const PRIORITIES: readonly TicketPriority[] = ['low', 'normal', 'high', 'urgent'];

/** `triage priority ID LEVEL`: sets a ticket's priority. */
export function registerPriority(program: Command): void {
  addTargetOptions(
    program
      .command('priority')
      .summary("set a ticket's priority")
      .description("Set a ticket's priority: low, normal, high or urgent.")
      .argument('<id>', 'ticket id, e.g. BIL-1001')
      .addArgument(new Argument('<level>', 'the new priority').choices([...PRIORITIES]))
      .option('--json', 'print the updated ticket as one JSON object'),
  ).action(async (id: string, level: TicketPriority, opts: TargetOptions & { json?: boolean }) =>
    withTarget(opts, async (target) => {
      const before = await target.repository.getTicket(ticketId(id));
      if (!before) throw new CliError(`no ticket ${id} in ${target.label}`);
      const after = await target.repository.setTicketPriority(before.id, level);
      if (!after) throw new CliError(`no ticket ${id} in ${target.label}`);
      printChange(after, `priority ${level} (was ${before.priority})`, opts.json);
    }),
  );
}
