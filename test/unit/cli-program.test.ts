import { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { Ticket } from '../../functions/domain/ticket';
import { explainAwsError, explainLocalError } from '../../lib/cli/errors';
import { buildProgram } from '../../lib/cli/main';
import { Progress } from '../../lib/cli/output';
import { buildReport, formatMinutes, median, percentile, reportRows } from '../../lib/cli/report';
import { openTarget } from '../../lib/cli/targets/open-target';
import { checkDepartment, filterTickets, isOverdue, ticketId } from '../../lib/cli/tickets';
import { aTicket } from '../support/tickets';

/** The commands issue 8 asks for; each must be listed by `triage --help` and have its own --help. */
const COMMANDS = [
  'tickets',
  'timers',
  'show',
  'close',
  'assign',
  'priority',
  'outbox',
  'ingest',
  'replay',
  'report',
  'route',
  'config',
  'reply',
  'quarantine',
  'customers',
];
/** Commands that work on a deployed stack too (or say that they cannot). */
const TARGETED = ['tickets', 'show', 'close', 'assign', 'priority', 'outbox', 'ingest', 'replay', 'report'];

const find = (program: Command, name: string) => program.commands.find((c) => c.name() === name)!;

describe('triage command tree', () => {
  const program = buildProgram();

  it('lists every command in --help', () => {
    const help = program.helpInformation();
    for (const name of COMMANDS) expect(help).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    expect(program.commands.map((c) => c.name()).sort()).toEqual([...COMMANDS].sort());
  });

  it('gives every command (and config validate) a --help of its own with a description', () => {
    for (const name of COMMANDS) {
      const command = find(program, name);
      expect(command.description().length).toBeGreaterThan(10);
      expect(command.helpInformation()).toMatch(new RegExp(`^Usage: triage ${name}`, 'm'));
    }
    const validate = find(find(program, 'config'), 'validate');
    expect(validate.helpInformation()).toMatch(/^Usage: triage config validate \[options\] \[file\]/m);
  });

  it('offers --stack, --region and --profile on every command that reads or changes tickets', () => {
    for (const name of TARGETED) {
      const flags = find(program, name).options.map((o) => o.long);
      expect({ name, flags }).toEqual({ name, flags: expect.arrayContaining(['--stack', '--region', '--profile']) });
    }
  });

  it('refuses --region or --profile without --stack (the local stack has neither)', async () => {
    await expect(openTarget({ region: 'eu-west-1' })).rejects.toThrow(
      '--region and --profile need --stack NAME (without it the command works on the local stack)',
    );
    await expect(openTarget({ profile: 'ops' })).rejects.toThrow(/need --stack NAME/);
  });

  it('has the filters of `tickets` and the modes of `replay`', () => {
    expect(find(program, 'tickets').options.map((o) => o.long)).toEqual(
      expect.arrayContaining(['--department', '--status', '--overdue', '--customer', '--json']),
    );
    expect(find(program, 'replay').options.map((o) => o.long)).toEqual(expect.arrayContaining(['--dlq', '--progress']));
    expect(find(program, 'report').options.map((o) => o.long)).toEqual(
      expect.arrayContaining(['--json', '--department', '--progress']),
    );
  });
});

const at = (iso: string) => new Date(iso);
const ticket = (over: Partial<Ticket>): Ticket => aTicket(over);

describe('ticket filters', () => {
  const now = at('2026-11-24T08:00:00Z');
  const tickets = [
    ticket({ id: 'BIL-1001' }), // due yesterday, unanswered: overdue
    ticket({ id: 'BIL-1002', firstResponseAt: '2026-11-23T10:00:00.000Z' }), // answered
    ticket({ id: 'BIL-1003', status: 'closed' }), // closed
    ticket({
      id: 'SUP-1001',
      department: 'support',
      customer: 'Joe@Customer.Example.org',
      dueAt: '2026-11-25T08:00:00.000Z',
    }), // not yet due
  ];

  it('--overdue: past due, unanswered, not closed', () => {
    expect(filterTickets(tickets, { overdue: true }, now).map((t) => t.id)).toEqual(['BIL-1001']);
    expect(isOverdue(tickets[3], now)).toBe(false);
  });

  it('--customer ignores case; filters combine', () => {
    expect(filterTickets(tickets, { customer: 'joe@customer.example.org' }, now).map((t) => t.id)).toEqual([
      'SUP-1001',
    ]);
    expect(filterTickets(tickets, { department: 'billing', status: 'open' }, now).map((t) => t.id)).toEqual([
      'BIL-1001',
      'BIL-1002',
    ]);
    expect(filterTickets(tickets, { department: 'billing', overdue: true, customer: 'nobody@x.org' }, now)).toEqual([]);
  });

  it('refuses an unknown department and a malformed ticket id in one line', () => {
    expect(checkDepartment(['billing'], 'billing')).toBe('billing');
    expect(checkDepartment(['billing'], undefined)).toBeUndefined();
    expect(() => checkDepartment(['billing', 'sales'], 'bill')).toThrow(
      'unknown department "bill"; known: billing, sales',
    );
    expect(ticketId(' bil-1042 ')).toBe('BIL-1042');
    expect(() => ticketId('1042')).toThrow('"1042" is not a ticket id such as BIL-1042');
  });
});

describe('report', () => {
  const now = at('2026-11-30T12:00:00Z');
  const minutesAfter = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();
  const created = '2026-11-23T09:00:00.000Z';
  const tickets = [
    ticket({ id: 'BIL-1', firstResponseAt: minutesAfter(created, 30), dueAt: minutesAfter(created, 480) }),
    ticket({
      id: 'BIL-2',
      firstResponseAt: minutesAfter(created, 90),
      dueAt: minutesAfter(created, 480),
      status: 'closed',
    }),
    ticket({
      id: 'BIL-3',
      firstResponseAt: minutesAfter(created, 600),
      dueAt: minutesAfter(created, 480),
      status: 'pending',
    }), // answered late
    ticket({ id: 'BIL-4', dueAt: minutesAfter(created, 480) }), // unanswered, past due: breached and overdue
    ticket({ id: 'BIL-5', dueAt: '2026-12-01T09:00:00.000Z', escalatedAt: '2026-11-30T09:00:00.000Z' }), // escalated (flagged)
    ticket({ id: 'SUP-1', department: 'support', dueAt: '2026-12-01T09:00:00.000Z', status: 'waiting' }),
  ];

  it('counts per department and status, with every department listed', () => {
    const report = buildReport(tickets, ['billing', 'support', 'sales'], now);
    expect(report.departments.map((d) => [d.department, d.total])).toEqual([
      ['billing', 5],
      ['support', 1],
      ['sales', 0],
    ]);
    expect(report.departments[0].byStatus).toEqual({ open: 3, waiting: 0, pending: 1, closed: 1 });
    expect(report.overall).toMatchObject({
      department: 'all',
      total: 6,
      byStatus: { open: 3, waiting: 1, pending: 1, closed: 1 },
    });
  });

  it('gives median and p90 first-response minutes of answered tickets, breached and overdue counts', () => {
    const billing = buildReport(tickets, ['billing'], now).departments[0];
    expect(billing.firstResponse).toEqual({ answered: 3, medianMinutes: 90, p90Minutes: 600 });
    expect(billing.breached).toBe(3); // BIL-3 late, BIL-4 overdue, BIL-5 escalated
    expect(billing.overdue).toBe(1);
    const sales = buildReport([], ['sales'], now).departments[0];
    expect(sales.firstResponse).toEqual({ answered: 0, medianMinutes: null, p90Minutes: null });
  });

  it('renders a table row per department and one for all', () => {
    const { columns, rows } = reportRows(buildReport(tickets, ['billing', 'support'], now));
    expect(columns).toEqual([
      'department',
      'total',
      'open',
      'waiting',
      'pending',
      'closed',
      'answered',
      'median first response',
      'p90',
      'breached',
      'overdue',
    ]);
    expect(rows.map((r) => r[0])).toEqual(['billing', 'support', 'all']);
    expect(rows[0]).toEqual(['billing', '5', '3', '0', '1', '1', '3', '1h 30m', '10h 0m', '3', '1']);
  });

  it('computes the median and the nearest-rank percentile', () => {
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(median([5])).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([], 90)).toBeNull();
    expect([formatMinutes(null), formatMinutes(12.4), formatMinutes(95.5), formatMinutes(60 * 72)]).toEqual([
      '-',
      '12m',
      '1h 36m',
      '3d 0h',
    ]);
  });
});

describe('one clear line for AWS failures', () => {
  const ctx = { stack: 'EmailTriage-prod', region: 'eu-west-1' };
  const err = (name: string, message: string, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(message), { name, ...extra });

  it.each([
    [
      'no credentials',
      err('CredentialsProviderError', 'Could not load credentials from any providers'),
      /^no AWS credentials: .*aws configure/,
    ],
    ['no region', err('Error', 'Region is missing'), /^no AWS region: pass --region/],
    [
      'no such stack',
      err('ValidationError', 'Stack with id EmailTriage-prod does not exist'),
      /^stack EmailTriage-prod does not exist in eu-west-1; check --stack and --region/,
    ],
    [
      'expired',
      err('ExpiredToken', 'The security token included in the request is expired'),
      /^the AWS credentials have expired/,
    ],
    [
      'rejected',
      err('InvalidClientTokenId', 'The security token included in the request is invalid.'),
      /^AWS rejected the credentials: /,
    ],
    [
      'denied',
      err('AccessDeniedException', 'User: x is not authorized to perform: lambda:InvokeFunction'),
      /^not allowed in eu-west-1: User: x is not authorized/,
    ],
    [
      'offline',
      err('Error', 'getaddrinfo ENOTFOUND cloudformation.eu-west-1.amazonaws.com', { code: 'ENOTFOUND' }),
      /^cannot reach AWS in eu-west-1: getaddrinfo ENOTFOUND/,
    ],
  ])('%s', (_, error, expected) => {
    const explained = explainAwsError(error, ctx);
    expect(explained?.message).toMatch(expected);
    expect(explained?.message).not.toContain('\n');
  });

  it('names the profile, and leaves other errors alone', () => {
    expect(
      explainAwsError(err('CredentialsProviderError', 'Could not load credentials'), { profile: 'ops' })?.message,
    ).toMatch(/^no AWS credentials \(profile ops\)/);
    expect(explainAwsError(err('TypeError', 'x is undefined'), ctx)).toBeUndefined();
    expect(
      explainLocalError(err('Error', 'connect ECONNREFUSED 127.0.0.1:8000', { code: 'ECONNREFUSED' }))?.message,
    ).toMatch(/is `npm start` running\?/);
  });
});

describe('progress', () => {
  class Sink extends Writable {
    text = '';
    isTTY = false;
    _write(chunk: Buffer, _: string, done: () => void) {
      this.text += chunk.toString();
      done();
    }
  }

  it('is silent off a terminal unless forced, then writes plain lines including the last', () => {
    const quiet = new Sink();
    new Progress('replaying', { stream: quiet as never }).update(1, 2);
    expect(quiet.text).toBe('');
    const forced = new Sink();
    const progress = new Progress('replaying', { stream: forced as never, force: true });
    progress.update(0, 3);
    progress.update(1, 3); // within 250 ms of the last line: skipped
    progress.update(3, 3);
    progress.finish('3 replayed');
    expect(forced.text.split('\n').filter(Boolean)).toEqual([
      'replaying: 0/3',
      'replaying: 3/3',
      'replaying: 3 replayed',
    ]);
  });

  it('updates one line in place on a terminal', () => {
    const tty = Object.assign(new Sink(), { isTTY: true });
    const progress = new Progress('reading tickets', { stream: tty as never });
    progress.update(1, 4, 'billing');
    progress.update(2, 4);
    progress.finish();
    expect(tty.text).toContain('\rreading tickets: 1/4 billing');
    expect(tty.text).not.toContain('\n');
  });
});
