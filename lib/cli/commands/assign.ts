import type { Command } from 'commander';
import { CliError } from '../errors';
import { addTargetOptions, type TargetOptions, withTarget } from '../targets/open-target';
import { printChange, ticketId } from '../tickets';

/** `triage assign ID AGENT`: sets the agent a ticket is assigned to. */
export function registerAssign(program: Command): void {
  addTargetOptions(
    program
      .command('assign')
      .summary('assign a ticket to an agent')
      .description(
        'Assign a ticket to an agent. On the local stack the address must be an agent or lead of the config; a deployed stack publishes only department names, so there any address is taken.',
      )
      .argument('<id>', 'ticket id, e.g. BIL-1001')
      .argument('<agent>', "the agent's address, e.g. ana@agents.example.com")
      .option('--json', 'print the updated ticket as one JSON object'),
  ).action(async (id: string, agentInput: string, opts: TargetOptions & { json?: boolean }) =>
    withTarget(opts, async (target) => {
      const agent = agentInput.trim().toLowerCase();
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(agent)) throw new CliError(`"${agentInput}" is not an e-mail address`);
      if (target.config) {
        const known = new Set(target.config.departments.flatMap((d) => [...d.agents, d.lead]));
        if (!known.has(agent))
          throw new CliError(`${agent} is not an agent or lead in the config; agents: ${[...known].join(', ')}`);
      }
      const after = await target.repository.assignTicket(ticketId(id), agent);
      if (!after) throw new CliError(`no ticket ${id} in ${target.label}`);
      printChange(after, `assigned to ${agent}`, opts.json);
    }),
  );
}
