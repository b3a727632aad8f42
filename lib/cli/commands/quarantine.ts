import type { Command } from 'commander';
import { CliError } from '../errors';
import { print, printJson } from '../output';
import { replayKey } from '../replay';
import { table } from '../table';
import { addTargetOptions, type TargetOptions, withTarget } from '../targets/open-target';

/** `triage quarantine list|release KEY`: mail SES judged spam or a virus, held until an operator decides. */
export function registerQuarantine(program: Command): void {
  const quarantine = program
    .command('quarantine')
    .summary('mail held for SES spam/virus verdicts: list, release')
    .description(
      'Mail SES marked as spam or a virus is stored but held: no acknowledgement, no copy to the agents. List it, or release one mail to be handled as usual.',
    );

  addTargetOptions(
    quarantine.command('list').description('the held mail, oldest first').option('--json', 'one JSON object per line'),
  ).action(async (opts: TargetOptions & { json?: boolean }) =>
    withTarget(opts, async (target) => {
      const entries = await target.quarantine.list();
      if (opts.json) {
        for (const e of entries) printJson(e);
        return;
      }
      if (entries.length === 0) return print(`nothing in quarantine in ${target.label}`);
      print(
        table(
          ['held', 'department', 'from', 'subject', 'released', 'key'],
          entries.map((e) => [
            e.at,
            e.department,
            e.from ?? '',
            e.subject ?? '',
            e.released ? (e.releasedAt ?? 'yes') : '',
            e.key,
          ]),
          70,
        ),
      );
    }),
  );

  addTargetOptions(
    quarantine
      .command('release')
      .description(
        'release held mail: it is marked released and run through the inbound function again, which then opens the ticket, acknowledges and forwards it',
      )
      .argument('<key...>', 'object keys, as `quarantine list` shows them'),
  ).action(async (keys: string[], opts: TargetOptions) =>
    withTarget(opts, async (target) => {
      let failures = 0;
      for (const key of keys) {
        if (!(await target.quarantine.release(key, new Date())))
          throw new CliError(`${key} is not in quarantine in ${target.label}`);
        for (const line of await replayKey(target, key)) {
          if (line.outcome === 'failed') failures++;
          printJson(line);
        }
      }
      if (failures > 0) process.exitCode = 1;
    }),
  );
}
