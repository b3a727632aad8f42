import type { Command } from 'commander';
import { CliError } from '../errors';
import { print, printJson } from '../output';
import { table } from '../table';
import { addTargetOptions, type TargetOptions } from '../targets/open-target';

/** `triage outbox`: what the system asked SES to send (the local stack keeps every message). */
export function registerOutbox(program: Command): void {
  addTargetOptions(
    program
      .command('outbox')
      .summary('what the system asked SES to send (local stack only)')
      .description(
        'The messages the system asked SES to send, oldest first, as the local SES endpoint stored them. SES keeps no such copy, so this is local only.',
      )
      .option('--json', 'one JSON object per line: to, cc, from, subject, headers, text'),
  ).action(async (opts: TargetOptions & { json?: boolean }) => {
    if (opts.stack) {
      throw new CliError(
        `outbox works on the local stack only: SES keeps no copy of what it sends. For stack ${opts.stack}, a ticket's messages are in \`triage show ID --stack ${opts.stack}\``,
      );
    }
    // loaded on use: mailparser and the SDK clients are not needed by the other commands
    const { LocalTarget } = require('../targets/local') as typeof import('../targets/local');
    const { readOutbox } = require('../outbox') as typeof import('../outbox');
    const target = LocalTarget.open();
    target.close();
    const entries = await readOutbox(target.stack.outboxDir);
    if (opts.json) {
      for (const e of entries) printJson(e);
      return;
    }
    if (entries.length === 0) {
      print('the outbox is empty');
      return;
    }
    print(
      table(
        ['sent', 'from', 'to', 'subject', 'auto-submitted'],
        entries.map((e) => [e.sentAt ?? '', e.from, e.to.join(', '), e.subject, e.headers['auto-submitted'] ?? '']),
      ),
    );
  });
}
