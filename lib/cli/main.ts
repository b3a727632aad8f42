import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../../functions/domain/config';
import { TICKET_STATUSES, type Ticket, type TicketStatus } from '../../functions/domain/ticket';
import { loadConfigFile } from '../config/load';
import { CliError } from './errors';
import { ingestFile } from './ingest';
import { LocalTarget } from './local-target';
import { readOutbox } from './outbox';
import { table } from './table';

const print = (line: string) => process.stdout.write(`${line}\n`);

function ticketRow(t: Ticket): string[] {
  return [t.id, t.department, t.status, t.priority, t.customer, t.subject, t.dueAt];
}

/** The public view of a ticket in `--json` output. */
function ticketJson(t: Ticket) {
  return { ...t };
}

/** Builds the `triage` command tree. */
export function buildProgram(): Command {
  const program = new Command('triage')
    .description('Operate email triage: list and inspect tickets, read what was sent, deliver mail by hand.\nWorks against the local stack started with `npm start` (state in .triage/, or $TRIAGE_HOME).')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('outbox')
    .description('the messages the system asked SES to send, oldest first')
    .option('--json', 'one JSON object per line: to, cc, from, subject, headers, text')
    .action(async (opts: { json?: boolean }) => {
      const target = LocalTarget.open();
      const entries = await readOutbox(target.stack.outboxDir);
      if (opts.json) {
        for (const e of entries) print(JSON.stringify(e));
        return;
      }
      if (entries.length === 0) {
        print('the outbox is empty');
        return;
      }
      print(table(['sent', 'from', 'to', 'subject', 'auto-submitted'], entries.map((e) => [e.sentAt ?? '', e.from, e.to.join(', '), e.subject, e.headers['auto-submitted'] ?? ''])));
    });

  program
    .command('tickets')
    .description('list tickets, oldest first')
    .option('--json', 'one JSON object per line')
    .option('--department <name>', 'only this department')
    .addOption(new Option('--status <status>', 'only this status').choices([...TICKET_STATUSES]))
    .action(async (opts: { json?: boolean; department?: string; status?: TicketStatus }) => {
      const target = LocalTarget.open();
      if (opts.department && !target.config.departments.some((d) => d.name === opts.department)) {
        throw new CliError(`unknown department "${opts.department}"; known: ${target.config.departments.map((d) => d.name).join(', ')}`);
      }
      const tickets = await target.repository.listTickets({ department: opts.department, status: opts.status });
      if (opts.json) {
        for (const t of tickets) print(JSON.stringify(ticketJson(t)));
        return;
      }
      if (tickets.length === 0) {
        print('no tickets');
        return;
      }
      print(table(['id', 'department', 'status', 'priority', 'customer', 'subject', 'due'], tickets.map(ticketRow)));
    });

  program
    .command('show')
    .description('one ticket with its messages and the stored decisions')
    .argument('<id>', 'ticket id, e.g. BIL-1001')
    .option('--json', 'one JSON object')
    .action(async (id: string, opts: { json?: boolean }) => {
      const target = LocalTarget.open();
      const ticket = await target.repository.getTicket(id.toUpperCase());
      if (!ticket) throw new CliError(`no ticket ${id}`);
      const messages = await target.repository.listMessages(ticket.id);
      if (opts.json) {
        print(JSON.stringify({ ...ticketJson(ticket), messages }));
        return;
      }
      print(table(['field', 'value'], Object.entries(ticket).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]), 100));
      for (const m of messages) {
        print('');
        print(`${m.at}  ${m.direction === 'in' ? '<-' : '->'} ${m.kind}  from ${m.from} to ${m.to.join(', ')}`);
        print(`  subject: ${m.subject}`);
        if (m.routing) print(`  routing: ${m.routing.rule} -> ${m.routing.department}: ${m.routing.reason}`);
        if (m.attachments.length) print(`  attachments: ${m.attachments.map((a) => `${a.filename} (${a.size} bytes)`).join(', ')}`);
        print(m.text.trim().split('\n').slice(0, 12).map((l) => `  | ${l}`).join('\n'));
      }
    });

  program
    .command('ingest')
    .description('deliver raw mail files through the same path as SMTP (S3 put, event, inbound function)')
    .argument('<file...>', 'raw RFC 5322 files (.eml)')
    .option('--to <address>', 'the envelope recipient (default: the general address)')
    .action(async (files: string[], opts: { to?: string }) => {
      const target = LocalTarget.open();
      const to = opts.to ?? target.config.generalAddress;
      const known = [target.config.generalAddress, ...target.config.departments.flatMap((d) => d.addresses)];
      if (!known.includes(to.toLowerCase()) && !to.toLowerCase().endsWith(`@${target.config.replyDomain}`)) {
        throw new CliError(`no receipt rule for ${to}; addresses: ${known.join(', ')} or *@${target.config.replyDomain}`);
      }
      let failed = 0;
      for (const file of files) {
        const result = await ingestFile(target, file, to);
        if (result.outcome === 'failed') failed++;
        print(JSON.stringify({ file: result.file, outcome: result.outcome, ticketId: result.ticketId ?? null, department: result.department ?? null, reason: result.reason }));
      }
      if (failed > 0) process.exitCode = 1;
    });

  const config = program.command('config').description('work with config files');
  config
    .command('validate')
    .description('validate a config file; prints each bad field with what was expected')
    .argument('[file]', 'YAML config', 'triage.config.yaml')
    .action((file: string) => {
      const cfg = loadConfigFile(file);
      print(`${file}: valid (${cfg.departments.length} departments: ${cfg.departments.map((d) => `${d.name} ${d.prefix}`).join(', ')})`);
    });

  return program;
}

/** Runs the CLI; errors become one line on stderr and a non-zero exit. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`triage: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    const name = (err as { name?: string }).name ?? '';
    const code = (err as { code?: string }).code ?? '';
    if (code === 'ECONNREFUSED' || name === 'ECONNREFUSED' || /ECONNREFUSED/.test(String((err as Error).message))) {
      process.stderr.write('triage: cannot reach the local stack (connection refused); is `npm start` running?\n');
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
