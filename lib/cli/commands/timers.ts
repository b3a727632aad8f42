import type { Command } from 'commander';
import { print, printJson } from '../output';
import { table } from '../table';
import { addTargetOptions, type TargetOptions, withTarget } from '../targets/open-target';
import { formatFiresIn, pendingTimers } from '../timers';

/** `triage timers`: the pending timer step of every ticket, and when it fires. */
export function registerTimers(program: Command): void {
  addTargetOptions(
    program
      .command('timers')
      .summary('pending timer steps (warn, escalate, follow-up, auto-close, survey) and when they fire')
      .description(
        'The next timer step of every ticket, soonest first: what it does, when it is planned (business time), the Step Functions execution that waits for it, ' +
          'and when it fires in real time (the local stack divides waits by its --time-scale).',
      )
      .option(
        '--json',
        'one JSON object per line: ticketId, department, status, step, generation, at, execution, firesInMs',
      ),
  ).action(async (opts: TargetOptions & { json?: boolean }) =>
    withTarget(opts, async (target) => {
      const timers = pendingTimers(await target.repository.listTickets({}), new Date(), target.timeScale);
      if (opts.json) {
        for (const t of timers) printJson(t);
        return;
      }
      if (timers.length === 0) return print('no pending timers');
      print(
        table(
          ['ticket', 'department', 'status', 'step', 'planned for', 'fires', 'execution'],
          timers.map((t) => [
            t.ticketId,
            t.department,
            t.status,
            t.step,
            t.at,
            formatFiresIn(t.firesInMs),
            t.execution,
          ]),
        ),
      );
      if (target.timeScale !== 1) print(`(time scale x${target.timeScale}: "fires" is real time)`);
    }),
  );
}
