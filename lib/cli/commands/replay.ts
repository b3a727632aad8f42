import type { Command } from 'commander';
import { CliError } from '../errors';
import { Progress, printJson } from '../output';
import { replayDeadLetters, replayKey } from '../replay';
import { addTargetOptions, type TargetOptions, withTarget } from '../targets/open-target';

interface ReplayOptions extends TargetOptions {
  dlq?: boolean;
  progress?: boolean;
}

/** `triage replay KEY...|--dlq`: runs the inbound function again on stored mail. */
export function registerReplay(program: Command): void {
  addTargetOptions(
    program
      .command('replay')
      .summary('run stored mail through the inbound function again: KEY... or --dlq')
      .description(
        'Run the inbound function again on raw mail already in the bucket, as its S3 trigger would. Every side effect is claimed once ' +
          'per mail, so a replay never sends a second acknowledgement; an object already handled comes back "duplicate". ' +
          'Prints one JSON line per object: key, outcome, ticketId, department, reason (and deadLetter with --dlq). ' +
          'Against AWS this is a Lambda Invoke of the inbound function; --dlq reads the SQS dead-letter queue.',
      )
      .argument(
        '[key...]',
        'object keys of the raw-mail bucket, e.g. inbound/billing@example.com/<id> (`triage show ID --json` gives rawKey)',
      )
      .option('--dlq', 'replay every event of the dead-letter queue, and remove each one that succeeds')
      .option('--progress', 'report progress on stderr even when it is not a terminal'),
  ).action(async (keys: string[], opts: ReplayOptions) => {
    if (opts.dlq && keys.length > 0) throw new CliError('give object keys or --dlq, not both');
    if (!opts.dlq && keys.length === 0)
      throw new CliError('give the object keys to replay, or --dlq for the dead-letter queue');
    await withTarget(opts, async (target) => {
      let failures = 0;
      if (opts.dlq) {
        const progress = new Progress('replaying dead letters', { force: opts.progress });
        const run = await replayDeadLetters(target, printJson, progress);
        failures = run.failed;
        progress.finish(`${run.replayed} replayed, ${run.failed} failed (of ${run.waiting} waiting)`);
        if (run.waiting === 0 && run.replayed === 0 && run.failed === 0)
          process.stderr.write(`no dead letters in ${target.label}\n`);
      } else {
        const progress = new Progress('replaying', { force: opts.progress && keys.length > 1 });
        let done = 0;
        for (const key of keys) {
          const lines = await replayKey(target, key);
          for (const line of lines) {
            if (line.outcome === 'failed') failures++;
            printJson(line);
          }
          progress.update(++done, keys.length);
        }
        progress.finish();
      }
      if (failures > 0) process.exitCode = 1;
    });
  });
}
