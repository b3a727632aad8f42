import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { startLocalStack, type LocalStack } from '../../lib/local/stack';
import { FIXTURES } from '../support/fixtures';
import { jsonLines, triage } from '../support/cli';

interface OutboxLine {
  to: string[];
  from: string;
  subject: string;
  headers: Record<string, string>;
  text: string;
}
interface TicketLine {
  id: string;
  department: string;
  status: string;
  priority: string;
  customer: string;
  subject: string;
  dueAt: string;
}

jest.setTimeout(120_000);

describe('mail flow through the local stack', () => {
  let home: string;
  let stack: LocalStack;
  let smtp: Transporter;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'triage-e2e-'));
    // Timers run a million times faster: a first-response target days away passes in well under a second.
    stack = await startLocalStack({
      stateDir: home,
      ports: { smtp: 0, s3: 0, dynamodb: 0, ses: 0, secretsmanager: 0, sfn: 0 },
      timeScale: 1_000_000,
      log: () => undefined,
    });
    smtp = nodemailer.createTransport({ host: '127.0.0.1', port: stack.ports.smtp, secure: false, ignoreTLS: true });
  });

  afterAll(async () => {
    smtp?.close();
    await stack?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  const outbox = async () => jsonLines<OutboxLine>((await triage(home, ['outbox', '--json'])).stdout);
  const tickets = async () => jsonLines<TicketLine>((await triage(home, ['tickets', '--json'])).stdout);

  it('acknowledges a mail to billing, forwards it to the agents and lists the ticket', async () => {
    await smtp.sendMail({
      from: '"Jane Doe" <jane@customer.example.org>',
      to: 'billing@example.com',
      subject: 'Question about my invoice',
      text: 'Why was I charged twice?',
      messageId: '<e2e-1@customer.example.org>',
    });
    await stack.whenIdle();

    const sent = await outbox();
    const ack = sent.find((m) => m.to.includes('jane@customer.example.org'));
    const copy = sent.find((m) => m.to.includes('ana@agents.example.com'));
    expect(ack).toBeDefined();
    expect(ack!.from).toBe('billing@example.com');
    expect(ack!.subject).toMatch(/^\[BIL-1001\] /);
    expect(ack!.text).toContain('BIL-1001');
    expect(ack!.text).toMatch(/by \w+day \d{1,2} \w+ 20\d\d, \d\d:\d\d \(Europe\/London\)/);
    expect(ack!.headers['auto-submitted']).toBe('auto-replied');
    expect(ack!.headers['in-reply-to']).toBe('<e2e-1@customer.example.org>');
    expect(ack!.headers.references).toBe('<e2e-1@customer.example.org>');
    expect(ack!.headers['message-id']).toMatch(/^<.+@email\.amazonses\.com>$/);

    expect(copy!.to).toEqual(['ana@agents.example.com', 'ben@agents.example.com']);
    expect(copy!.headers['reply-to']).toMatch(/^bil-1001\.[a-z2-7]{16}@reply\.example\.com$/);
    expect(copy!.text).toContain('Why was I charged twice?');

    const list = await tickets();
    expect(list).toEqual([
      expect.objectContaining({
        id: 'BIL-1001',
        department: 'billing',
        status: 'open',
        priority: 'normal',
        customer: 'jane@customer.example.org',
        subject: 'Question about my invoice',
      }),
    ]);
    expect(Date.parse(list[0].dueAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('places a refund mail to the general address in billing and says why', async () => {
    await smtp.sendMail({
      from: 'joe@customer.example.org',
      to: 'help@example.com',
      subject: 'Please refund my last payment',
      text: 'Thanks',
      messageId: '<e2e-2@customer.example.org>',
    });
    await stack.whenIdle();
    const ticket = (await tickets()).find((t) => t.customer === 'joe@customer.example.org');
    expect(ticket).toMatchObject({ department: 'billing', id: 'BIL-1002' });
    const shown = JSON.parse((await triage(home, ['show', ticket!.id, '--json'])).stdout);
    expect(shown.messages[0].routing).toMatchObject({
      rule: 'keywords',
      department: 'billing',
      matched: expect.arrayContaining(['refund (subject)', 'payment (subject)']),
    });
  });

  it('refuses mail for an address nobody configured with 550', async () => {
    await expect(
      smtp.sendMail({ from: 'jane@customer.example.org', to: 'nobody@example.com', subject: 'x', text: 'x' }),
    ).rejects.toMatchObject({ responseCode: 550 });
  });

  it('gives one ticket and one ack for the same mail delivered four times', async () => {
    const mail = {
      from: 'dup@customer.example.org',
      to: 'sales@example.com',
      subject: 'Quote for 20 seats',
      text: 'Please send a quote.',
      messageId: '<e2e-dup@customer.example.org>',
    };
    await smtp.sendMail(mail);
    await smtp.sendMail(mail); // the sender's server retried
    await stack.whenIdle();
    const raw = join(home, 'dup.eml');
    const composed = await new Promise<Buffer>((resolve, reject) =>
      nodemailer
        .createTransport({ streamTransport: true, buffer: true })
        .sendMail(mail, (err, info) => (err ? reject(err) : resolve(info.message as Buffer))),
    );
    require('node:fs').writeFileSync(raw, composed);
    const ingest = await triage(home, ['ingest', raw, raw, '--to', 'sales@example.com']);
    expect(jsonLines<{ outcome: string; ticketId: string }>(ingest.stdout).map((l) => [l.outcome, l.ticketId])).toEqual(
      [
        ['duplicate', 'SAL-1001'],
        ['duplicate', 'SAL-1001'],
      ],
    );
    const acks = (await outbox()).filter((m) => m.to.includes('dup@customer.example.org'));
    expect(acks).toHaveLength(1);
    expect((await tickets()).filter((t) => t.customer === 'dup@customer.example.org')).toHaveLength(1);
  });

  it('stores an auto-reply without answering it', async () => {
    const before = (await outbox()).length;
    const result = await triage(home, ['ingest', join(FIXTURES, 'out-of-office.eml'), '--to', 'billing@example.com']);
    expect(jsonLines(result.stdout)[0]).toMatchObject({
      outcome: 'suppressed',
      ticketId: null,
      reason: expect.stringMatching(/Auto-Submitted: auto-replied/),
    });
    await stack.whenIdle();
    expect((await outbox()).length).toBe(before);
  });

  it('holds mail SES judged spam until an operator releases it', async () => {
    const before = (await outbox()).length;
    await smtp.sendMail({
      from: 'prize@lottery.example',
      to: 'billing@example.com',
      subject: 'You won',
      text: 'Claim now',
      messageId: '<spam-1@lottery.example>',
      headers: { 'X-Triage-Test-Verdicts': 'spam=FAIL' },
    });
    await stack.whenIdle();
    expect((await outbox()).length).toBe(before);
    const held = jsonLines<{ key: string; reason: string; from: string }>(
      (await triage(home, ['quarantine', 'list', '--json'])).stdout,
    );
    expect(held).toEqual([
      expect.objectContaining({
        from: 'prize@lottery.example',
        reason: expect.stringMatching(/^quarantined: SES spam verdict FAIL/),
      }),
    ]);
    const released = await triage(home, ['quarantine', 'release', held[0].key]);
    expect(jsonLines(released.stdout)[0]).toMatchObject({ outcome: 'created', department: 'billing' });
    await stack.whenIdle();
    expect((await outbox()).filter((m) => m.to.includes('prize@lottery.example'))).toHaveLength(1);
    expect(
      jsonLines<{ released: boolean }>((await triage(home, ['quarantine', 'list', '--json'])).stdout)[0].released,
    ).toBe(true);
  });

  it('escalates an unanswered ticket to the department lead when the target passes', async () => {
    await smtp.sendMail({
      from: 'urgent@customer.example.org',
      to: 'support@example.com',
      subject: 'App crashes on login',
      text: 'Every time.',
      messageId: '<e2e-esc@customer.example.org>',
    });
    const deadline = Date.now() + 30_000;
    let escalation: OutboxLine | undefined;
    while (!escalation && Date.now() < deadline) {
      await stack.whenIdle();
      escalation = (await outbox()).find((m) => m.to.includes('tara@agents.example.com'));
      if (!escalation) await new Promise((r) => setTimeout(r, 200));
    }
    expect(escalation).toBeDefined();
    expect(escalation!.subject).toMatch(/^\[SUP-1001\] First response overdue/);
    expect(escalation!.headers['auto-submitted']).toBe('auto-generated');
    const shown = JSON.parse((await triage(home, ['show', 'SUP-1001', '--json'])).stdout);
    expect(shown.escalatedAt).toEqual(expect.any(String));
  });

  it('keeps the raw bytes of every mail in S3', async () => {
    const raw = readFileSync(join(FIXTURES, 'refund-to-help.eml'));
    const result = jsonLines<{ ticketId: string }>(
      (await triage(home, ['ingest', join(FIXTURES, 'refund-to-help.eml')])).stdout,
    )[0];
    const shown = JSON.parse((await triage(home, ['show', result.ticketId, '--json'])).stdout);
    const key = shown.messages[0].rawKey as string;
    expect(key).toMatch(/^inbound\/help@example\.com\//);
    expect(await stack.readRawMail(key)).toEqual(raw);
  });
});
