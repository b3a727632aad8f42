import { Command, CommanderError } from 'commander';
import { registerAssign } from './commands/assign';
import { registerClose } from './commands/close';
import { registerConfig } from './commands/config';
import { registerCustomers } from './commands/customers';
import { registerIngest } from './commands/ingest';
import { registerOutbox } from './commands/outbox';
import { registerPriority } from './commands/priority';
import { registerQuarantine } from './commands/quarantine';
import { registerReplay } from './commands/replay';
import { registerReply } from './commands/reply';
import { registerReport } from './commands/report';
import { registerRoute } from './commands/route';
import { registerShow } from './commands/show';
import { registerTickets } from './commands/tickets';
import { registerTimers } from './commands/timers';
import { explainError } from './errors';

/**
 * Builds the `triage` command tree. Each command lives in `commands/<name>.ts` and registers itself
 * with one call here (`registerX(program)`); a new command is a new file plus one line below.
 */
export function buildProgram(): Command {
  const program = new Command('triage')
    .description(
      'Operate email triage: list, inspect and change tickets, replay stored mail, report, read what was sent.',
    )
    .addHelpText(
      'after',
      [
        '',
        'Targets:',
        '  By default a command works on the local stack started with `npm start` (state in .triage/, or $TRIAGE_HOME).',
        '  With --stack NAME [--region R] [--profile P] (or TRIAGE_STACK) it works on a deployed stack: its outputs are',
        '  read from CloudFormation and the normal AWS credential chain is used. outbox and ingest are local only.',
        '',
        'Every command has --help. Errors are one line on stderr and a non-zero exit code.',
      ].join('\n'),
    )
    .showHelpAfterError()
    .exitOverride();

  registerTickets(program);
  registerShow(program);
  registerTimers(program);
  registerClose(program);
  registerAssign(program);
  registerPriority(program);
  registerReply(program);
  registerQuarantine(program);
  registerOutbox(program);
  registerIngest(program);
  registerReplay(program);
  registerReport(program);
  registerCustomers(program);
  registerRoute(program);
  registerConfig(program);

  return program;
}

/** Runs the CLI; errors become one line on stderr and a non-zero exit. */
export async function main(argv: string[]): Promise<void> {
  // The SDK's notice that future versions need Node 22 is for developers, not for an operator's error line.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    // by name: importing ConfigError would load the config schema (zod) for every command
    if ((err as Error)?.name === 'ConfigError') {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
    const explained = explainError(err);
    if (explained) {
      process.stderr.write(`triage: ${explained.message}\n`);
      process.exitCode = explained.exitCode;
      return;
    }
    throw err;
  }
}
