import type { Command } from 'commander';
import { CliError } from '../errors';
import { print, printJson } from '../output';
import { table } from '../table';
import { addTargetOptions, type TargetOptions, withTarget } from '../targets/open-target';
import { ticketId, ticketJson } from '../tickets';

/** `triage show ID`: one ticket, its conversation and the stored routing decisions. */
export function registerShow(program: Command): void {
  addTargetOptions(
    program
      .command('show')
      .summary('one ticket with its messages and the stored decisions')
      .description('One ticket: its fields, then its messages in and out, with the routing decision and why.')
      .argument('<id>', 'ticket id, e.g. BIL-1001')
      .option('--json', 'one JSON object: the ticket with its messages'),
  ).action(async (id: string, opts: TargetOptions & { json?: boolean }) =>
    withTarget(opts, async (target) => {
      const ticket = await target.repository.getTicket(ticketId(id));
      if (!ticket) throw new CliError(`no ticket ${id} in ${target.label}`);
      const messages = await target.repository.listMessages(ticket.id);
      if (opts.json) {
        printJson({ ...ticketJson(ticket), messages });
        return;
      }
      print(
        table(
          ['field', 'value'],
          Object.entries(ticket).map(([k, v]) => [
            k,
            Array.isArray(v) ? v.join(', ') : v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v),
          ]),
          100,
        ),
      );
      for (const m of messages) {
        print('');
        print(`${m.at}  ${m.direction === 'in' ? '<-' : '->'} ${m.kind}  from ${m.from} to ${m.to.join(', ')}`);
        print(`  subject: ${m.subject}`);
        if (m.routing) {
          print(
            `  routing: ${m.routing.rule}${m.routing.ruleName ? ` "${m.routing.ruleName}"` : ''} -> ${m.routing.department}: ${m.routing.reason}`,
          );
          // priority, language and automatic answer, each with its reason (decisions stored before these fields have none)
          for (const reason of m.routing.reasons?.slice(1) ?? []) print(`           ${reason}`);
        }
        if (m.attachments.length)
          print(`  attachments: ${m.attachments.map((a) => `${a.filename} (${a.size} bytes)`).join(', ')}`);
        print(
          m.text
            .trim()
            .split('\n')
            .slice(0, 12)
            .map((l) => `  | ${l}`)
            .join('\n'),
        );
      }
    }),
  );
}
