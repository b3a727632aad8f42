/**
 * Customers, the `status` mail and the weekly report through the local stack: real SMTP in, the
 * operator CLI as a separate process, what really came out read from the outbox.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { parse, stringify } from 'yaml';
import type { OutboxEntry as OutboxLine } from '../../lib/cli/outbox';
import type { WeeklyReportResult } from '../../functions/usecases/run-weekly-report';
import { startLocalStack, type LocalStack } from '../../lib/local/stack';
import { jsonLines, triage } from '../support/cli';
import { CONFIG_PATH } from '../support/fixtures';
import { FREE_PORTS } from '../support/local-mail';

jest.setTimeout(180_000);

describe('customers, status mail and weekly report through the local stack', () => {
  let home: string;
  let configDir: string;
  let stack: LocalStack;
  let smtp: Transporter;
  const cli = (...args: string[]) => triage(home, args);
  const outbox = async () => jsonLines<OutboxLine>((await cli('outbox', '--json')).stdout);
  const sentTo = async (address: string) => (await outbox()).filter((m) => m.to.includes(address));
  const send = async (mail: SendMailOptions) => {
    await smtp.sendMail(mail);
    await stack.whenIdle();
  };
  const statusReplies = async (address: string) =>
    (await sentTo(address)).filter((m) => m.subject.startsWith('Your open tickets with Example Corp'));
  const today = () => new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'triage-reports-'));
    configDir = mkdtempSync(join(tmpdir(), 'triage-reports-config-'));
    const config = join(configDir, 'triage.config.yaml');
    const raw = parse(readFileSync(CONFIG_PATH, 'utf8'));
    raw.reports = { weekly: { to: ['boss@example.com'] } };
    writeFileSync(config, stringify(raw));
    stack = await startLocalStack({ stateDir: home, configPath: config, ports: FREE_PORTS, log: () => undefined });
    smtp = nodemailer.createTransport({ host: '127.0.0.1', port: stack.ports.smtp, secure: false, ignoreTLS: true });
    await send({
      from: '"Jane Doe" <jane@customer.example.org>',
      to: 'billing@example.com',
      subject: 'Refund for invoice 7',
      text: 'Please refund.',
      messageId: '<r1@customer.example.org>',
    });
    await send({
      from: '"Jane Doe" <Jane@Customer.example.org>',
      to: 'support@example.com',
      subject: 'Login broken',
      text: 'Cannot log in.',
      messageId: '<r2@customer.example.org>',
    });
    await send({
      from: 'Joe <joe@other.example.net>',
      to: 'help@example.com',
      subject: 'Price quote for 20 licenses',
      text: 'What would it cost?',
      messageId: '<r3@other.example.net>',
    });
    await send({
      from: 'jane.private@mail.example.com',
      to: 'billing@example.com',
      subject: 'VAT number on my invoice',
      text: 'Please add my VAT number.',
      messageId: '<r4@mail.example.com>',
    });
  });

  afterAll(async () => {
    smtp?.close();
    await stack?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  it("answers a status mail with the sender's own open tickets only, and opens no ticket", async () => {
    await send({
      from: 'jane@customer.example.org',
      to: 'sales@example.com',
      subject: 'status',
      text: '',
      messageId: '<s1@customer.example.org>',
    });
    await send({
      from: 'joe@other.example.net',
      to: 'help@example.com',
      subject: 'Re: Status',
      text: '',
      messageId: '<s2@other.example.net>',
    });

    const [jane] = await statusReplies('jane@customer.example.org');
    expect(jane).toMatchObject({ from: 'sales@example.com', subject: 'Your open tickets with Example Corp: 2' });
    expect(jane.headers['auto-submitted']).toBe('auto-replied');
    expect(jane.headers['in-reply-to']).toBe('<s1@customer.example.org>');
    expect(jane.text).toContain('[BIL-1001] Refund for invoice 7');
    expect(jane.text).toContain('[SUP-1001] Login broken');
    expect(jane.text).not.toMatch(/SAL-1001|BIL-1002|Price quote|VAT number/);

    const [joe] = await statusReplies('joe@other.example.net');
    expect(joe).toMatchObject({ from: 'help@example.com', subject: 'Your open tickets with Example Corp: 1' });
    expect(joe.text).toContain('[SAL-1001] Price quote for 20 licenses');
    expect(joe.text).not.toMatch(/BIL-100|SUP-100|Refund|Login|VAT/);

    const tickets = jsonLines<{ id: string }>((await cli('tickets', '--json')).stdout).map((t) => t.id);
    expect(tickets.sort()).toEqual(['BIL-1001', 'BIL-1002', 'SAL-1001', 'SUP-1001']);
  });

  it('tells a sender that fails authentication nothing', async () => {
    const before = (await outbox()).length;
    await send({
      from: 'jane@customer.example.org',
      to: 'billing@example.com',
      subject: 'status',
      text: '',
      messageId: '<forged@customer.example.org>',
      headers: { 'X-Triage-Test-Verdicts': 'spf=FAIL; dkim=FAIL; dmarc=FAIL' },
    });
    expect(await outbox()).toHaveLength(before);
    expect(jsonLines((await cli('tickets', '--json')).stdout)).toHaveLength(4);
  });

  it('merges two addresses of one person: both show one customer, and a status mail from either lists all', async () => {
    const merged = await cli('customers', 'merge', 'jane@customer.example.org', 'Jane.Private@mail.example.com');
    expect(merged).toMatchObject({
      code: 0,
      stdout:
        'jane.private@mail.example.com is now an alias of jane@customer.example.org: 3 ticket(s) (BIL-1001, BIL-1002, SUP-1001); aliases: jane.private@mail.example.com\n',
    });
    const shown = await cli('customers', 'show', 'jane.private@mail.example.com', '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({
      address: 'jane@customer.example.org',
      aliases: ['jane.private@mail.example.com'],
      ticketIds: ['BIL-1001', 'BIL-1002', 'SUP-1001'],
    });
    expect(
      JSON.parse(shown.stdout)
        .tickets.map((t: { customer: string }) => t.customer)
        .sort(),
    ).toEqual(['jane.private@mail.example.com', 'jane@customer.example.org', 'jane@customer.example.org']);
    const table = await cli('customers', 'show', 'jane@customer.example.org');
    expect(table.stdout).toMatch(
      /^BIL-1002\s+billing\s+open\s+normal\s+jane\.private@mail\.example\.com\s+VAT number on my invoice/m,
    );

    await send({
      from: 'jane.private@mail.example.com',
      to: 'billing@example.com',
      subject: 'status',
      text: '',
      messageId: '<s3@mail.example.com>',
    });
    const [reply] = await statusReplies('jane.private@mail.example.com');
    expect(reply.subject).toBe('Your open tickets with Example Corp: 3');
    for (const id of ['BIL-1001', 'BIL-1002', 'SUP-1001']) expect(reply.text).toContain(`[${id}]`);
    expect(reply.text).not.toContain('SAL-1001');

    // later mail from the alias joins the primary's record
    await send({
      from: 'jane.private@mail.example.com',
      to: 'support@example.com',
      subject: 'App crashes',
      text: 'It crashes.',
      messageId: '<r5@mail.example.com>',
    });
    expect(
      JSON.parse((await cli('customers', 'show', 'jane@customer.example.org', '--json')).stdout).ticketIds,
    ).toEqual(['BIL-1001', 'BIL-1002', 'SUP-1001', 'SUP-1002']);

    expect(await cli('customers', 'merge', 'jane@customer.example.org', 'jane@customer.example.org')).toMatchObject({
      code: 1,
      stderr: 'triage: cannot merge jane@customer.example.org into itself\n',
    });
    expect(await cli('customers', 'show', 'nobody@example.org')).toMatchObject({
      code: 1,
      stderr: 'triage: no customer nobody@example.org in the local stack: the address has opened no ticket\n',
    });
    expect(await cli('customers', 'show', 'not-an-address')).toMatchObject({
      code: 1,
      stderr: 'triage: expected an e-mail address such as jane@example.org, got "not-an-address"\n',
    });
  });

  it('prints the weekly report with figures, and --send mails it to the managers', async () => {
    // Ana answers BIL-1001 (a first response); everything else stays unanswered.
    const copy = (await sentTo('ana@agents.example.com')).find((m) => m.subject.startsWith('[BIL-1001]'))!;
    await send({
      from: 'Ana <ana@agents.example.com>',
      to: copy.headers['reply-to'],
      subject: `Re: ${copy.subject}`,
      text: 'Refunded today.',
      inReplyTo: copy.headers['message-id'],
    });

    const printed = await cli('report', '--week', '--json', '--ending', today());
    expect(printed.code).toBe(0);
    const { report, sent } = JSON.parse(printed.stdout) as WeeklyReportResult;
    expect(sent).toBeUndefined();
    const line = (d: string) => report.departments.find((f) => f.department === d)!;
    expect(report.week.to).toBe(today());
    expect(report.departments.map((d) => [d.department, d.newTickets])).toEqual([
      ['billing', 2],
      ['support', 2],
      ['sales', 1],
      ['triage', 0],
    ]);
    expect(line('billing').firstResponse.answered).toBe(1);
    // seconds after the mail, in business hours of London (0 when the office is closed)
    expect(line('billing').firstResponse.medianBusinessHours).toBeGreaterThanOrEqual(0);
    expect(line('billing').firstResponse.medianBusinessHours).toBeLessThan(0.1);
    expect(report.overall.firstResponse.answered).toBe(1);
    expect(report.overall.missedTarget).toBe(0);
    expect(report.overall.autoAnswered).toEqual({ count: 0, share: 0 });
    expect(report.overall.topKeywords).toEqual([
      { keyword: 'price', count: 1 },
      { keyword: 'quote', count: 1 },
    ]);
    expect(report.overall.backlog).toEqual({ '<1d': 5, '1-3d': 0, '3-7d': 0, '>7d': 0, total: 5 });

    const table = await cli('report', '--week', '--ending', today());
    expect(table.stdout).toMatch(/^billing\s+2\s+1\s+\S+\s+\S+\s+0\s+0 \(0%\)$/m);
    expect(table.stdout).toMatch(/^all\s+5\s+1\s/m);
    expect(table.stdout).toContain('top keywords: price (1), quote (1)');

    const sending = await cli('report', '--week', '--send', '--ending', today());
    expect(sending.code).toBe(0);
    expect(sending.stdout).toMatch(/^sent to boss@example\.com \(<.+>\)$/m);
    const [mail] = await sentTo('boss@example.com');
    expect(mail).toMatchObject({
      from: 'help@example.com',
      subject: `Example Corp weekly report ${report.week.from} to ${today()}: 5 new tickets, 0 missed the target`,
    });
    expect(mail.headers['auto-submitted']).toBe('auto-generated');
    expect(mail.text).toMatch(/^billing\s+2\s+1\s/m);
    expect(mail.text).toContain('Top keywords: price (1), quote (1)');

    expect(await cli('report', '--week', '--ending', '2026-02-30')).toMatchObject({
      code: 1,
      stderr: 'triage: --ending: expected a date as YYYY-MM-DD, got "2026-02-30"\n',
    });
    expect(await cli('report', '--send')).toMatchObject({
      code: 1,
      stderr: 'triage: --ending and --send go with --week\n',
    });
  });
});
