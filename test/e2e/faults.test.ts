/**
 * Faults end to end, through the local stack: an emulator goes away mid-run and comes back, mail keeps
 * arriving meanwhile, the SDK retries, then Lambda's retries, then the dead-letter queue; the DLQ is
 * replayed (`triage replay --dlq`, as an operator would). And SES's sending quota: a burst beyond the
 * maximum send rate is throttled and smoothed by the retries, not dropped.
 *
 * What must hold: no mail lost (every mail sent has a ticket), no duplicate (exactly one
 * acknowledgement and one agents' copy per mail), nothing left in the DLQ. The figures are printed
 * at the end ("fault figures"); README "Reliability and what the tests prove" quotes them.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { startLocalStack, type LocalStack } from '../../lib/local';
import { jsonLines, triage } from '../support/cli';
import { FREE_PORTS, readSent, report, stackClients } from '../support/local-mail';

jest.setTimeout(180_000);

describe('faults: outages, the dead-letter queue and its replay, SES throttling', () => {
  let home: string;
  let stack: LocalStack;
  let smtp: Transporter;
  let clients: ReturnType<typeof stackClients>;
  const deadLetters: string[] = [];
  const figures: string[] = [];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'triage-faults-'));
    // Lambda retries a failed asynchronous event after about 1 and 2 minutes; here after 0.2 and 0.4 s.
    stack = await startLocalStack({
      stateDir: home,
      ports: FREE_PORTS,
      log: () => undefined,
      retryDelaysMs: [200, 400],
      functionLogLevel: 'SILENT',
    });
    stack.events.on('deadLetter', (d) => deadLetters.push(d.label));
    smtp = nodemailer.createTransport({
      host: '127.0.0.1',
      port: stack.ports.smtp,
      secure: false,
      ignoreTLS: true,
      pool: true,
      maxConnections: 4,
    });
    clients = stackClients(stack);
  });

  afterAll(async () => {
    smtp?.close();
    clients?.destroy();
    await stack?.stop();
    if (figures.length) report('fault figures', figures);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const dlqFiles = () =>
    existsSync(stack.layout.dlq) ? readdirSync(stack.layout.dlq).filter((f) => f.endsWith('.json')) : [];
  const send = (from: string, to: string, subject: string) =>
    smtp.sendMail({
      from,
      to,
      subject,
      text: `${subject}. Please help.`,
      messageId: `<${from.split('@')[0]}@customer.example.org>`,
    });

  /**
   * Replays the DLQ. `cli`: as an operator does, `triage replay --dlq` (a separate process running the
   * inbound handler against the running stack's emulators). `in-process`: the stack's test hook, which
   * hands each stored event to the same function again as an asynchronous invocation.
   */
  async function replayDlq(
    how: 'cli' | 'in-process',
  ): Promise<{ key: string | null; outcome: string; reason?: string }[]> {
    if (how === 'in-process') {
      const letters = stack.testHooks.replayDeadLetters();
      await stack.whenIdle({ timeoutMs: 60_000 });
      return letters.map((l) => ({ key: l.label, outcome: 'replayed' }));
    }
    const result = await triage(home, ['replay', '--dlq']);
    expect(result.stderr).not.toMatch(/unknown command|error/i);
    await stack.whenIdle({ timeoutMs: 60_000 });
    return jsonLines<{ key: string | null; outcome: string; reason?: string }>(result.stdout);
  }

  /** For each sender: tickets, and what the outbox holds for the customer and for the agents. */
  async function ledger(senders: string[], agent: string) {
    const tickets = await clients.repository.listTickets();
    const sent = stack.outbox.list().map(readSent);
    return senders.map((sender) => {
      const own = tickets.filter((t) => t.customer === sender);
      const ids = new Set(own.map((t) => t.id));
      return {
        sender,
        tickets: own.length,
        acks: sent.filter((m) => m.to.includes(sender)).length,
        copies: sent.filter((m) => m.to.includes(agent) && m.ticket !== undefined && ids.has(m.ticket)).length,
      };
    });
  }
  type Row = Awaited<ReturnType<typeof ledger>>[number];
  const summary = (rows: Row[]) =>
    `lost ${rows.filter((r) => r.tickets === 0).length}, tickets ${rows.reduce((n, r) => n + r.tickets, 0)}, acks ${rows.reduce((n, r) => n + r.acks, 0)}, ` +
    `unacknowledged ${rows.filter((r) => r.acks === 0).length}, duplicate acks ${rows.filter((r) => r.acks > 1).length}, duplicate agents' copies ${rows.filter((r) => r.copies > 1).length}`;
  /** No mail lost (one ticket each), every mail acknowledged exactly once, the agents got every mail once. */
  const expectNoLossNoDuplicate = (rows: Row[]) => {
    expect(rows.filter((r) => r.tickets !== 1)).toEqual([]);
    expect(rows.filter((r) => r.acks !== 1 || r.copies !== 1)).toEqual([]);
  };
  let sesOutageRows: Row[] = [];
  let replayReasons: string[] = [];

  it('SES down mid-run: the failing mails go to the DLQ with their S3 key; after SES is back, the replay delivers each, nothing lost, nothing twice', async () => {
    const before = ['before-1', 'before-2'].map((n) => `${n}@customer.example.org`);
    for (const from of before) await send(from, 'billing@example.com', `Invoice question from ${from}`);
    await stack.whenIdle({ timeoutMs: 30_000 });

    await stack.testHooks.outage.stop('ses');
    const during = ['ses-down-1', 'ses-down-2', 'ses-down-3', 'ses-down-4', 'ses-down-5'].map(
      (n) => `${n}@customer.example.org`,
    );
    await Promise.all(during.map((from) => send(from, 'billing@example.com', `Refund for ${from}`)));
    await stack.whenIdle({ timeoutMs: 60_000 }); // SDK retries, Lambda's two retries, then the DLQ
    const lettersDuringOutage = dlqFiles().length;
    expect(lettersDuringOutage).toBe(during.length);
    expect(deadLetters.every((label) => label.startsWith('inbound/billing@example.com/'))).toBe(true);
    await stack.testHooks.outage.start('ses');

    const replayed = await replayDlq('cli');
    expect(dlqFiles()).toEqual([]);
    const rows = await ledger([...before, ...during], 'ana@agents.example.com');
    sesOutageRows = rows;
    replayReasons = [
      ...new Set(
        replayed
          .map((l) => l.reason ?? '')
          .filter((r) => /no acknowledgement/.test(r))
          .map((r) => r.replace(/^.*no acknowledgement: /, '')),
      ),
    ];
    figures.push(
      `SES outage: ${before.length + during.length} mails, ${during.length} during the outage -> ${lettersDuringOutage} dead letters -> ${replayed.length} replayed (triage replay --dlq); ${summary(rows)}` +
        (replayReasons.length ? ` (replay: "no acknowledgement: ${replayReasons.join('; ')}")` : ''),
    );
    expectNoLossNoDuplicate(rows);
  });

  it('DynamoDB down while mails are being handled: nothing lost, no second ack, the DLQ replays clean', async () => {
    const senders = ['ddb-1', 'ddb-2', 'ddb-3', 'ddb-4', 'ddb-5', 'ddb-6'].map((n) => `${n}@customer.example.org`);
    const dlqBefore = deadLetters.length;
    // the outage starts as soon as the first of these mails has been acknowledged: the others are in flight
    const firstAck = new Promise<void>((resolve) => {
      const listener = (entry: { destinations: string[] }) => {
        if (entry.destinations.some((d) => senders.includes(d))) {
          stack.events.off('sent', listener);
          resolve();
        }
      };
      stack.events.on('sent', listener);
    });
    const sending = Promise.all(senders.map((from) => send(from, 'sales@example.com', `Quote for ${from}`)));
    await firstAck;
    await stack.testHooks.outage.stop('dynamodb');
    await sending; // SMTP only needs S3: mail is still accepted and kept
    await new Promise((r) => setTimeout(r, 2_000));
    await stack.testHooks.outage.start('dynamodb');
    await stack.whenIdle({ timeoutMs: 60_000 });
    const letters = deadLetters.length - dlqBefore;

    const replayed = await replayDlq('in-process');
    expect(dlqFiles()).toEqual([]);
    const rows = await ledger(senders, 'sam@agents.example.com');
    figures.push(
      `DynamoDB outage mid-run: ${senders.length} mails -> ${letters} dead letters -> ${replayed.length} replayed (in-process); ${summary(rows)}`,
    );
    expect(letters).toBeGreaterThan(0);
    expectNoLossNoDuplicate(rows);
  });

  it('SES sending quota: a burst beyond the maximum send rate is throttled and smoothed by the retries, not dropped', async () => {
    const rate = 4; // recipients per second, as SES's MaxSendRate
    stack.testHooks.ses.maxSendRate = rate;
    const throttledBefore = stack.testHooks.ses.stats.throttled;
    const dlqBefore = deadLetters.length;
    const senders = Array.from({ length: 10 }, (_, i) => `burst-${i + 1}@customer.example.org`);
    const started = Date.now();
    await Promise.all(senders.map((from) => send(from, 'sales@example.com', `Order ${from}`)));
    await stack.whenIdle({ timeoutMs: 150_000 });
    const seconds = (Date.now() - started) / 1000;
    stack.testHooks.ses.maxSendRate = undefined;
    const letters = deadLetters.length - dlqBefore;
    if (letters > 0) await replayDlq('in-process'); // a mail throttled past all its retries is replayed like any other failure

    const rows = await ledger(senders, 'sam@agents.example.com');
    const throttled = stack.testHooks.ses.stats.throttled - throttledBefore;
    figures.push(
      `SES burst: ${senders.length} mails (${senders.length * 2} messages) at a maximum send rate of ${rate} recipients/s -> ${throttled} requests throttled, ${letters} dead letters, ${seconds.toFixed(1)} s; ${summary(rows)}`,
    );
    expect(throttled).toBeGreaterThan(0);
    expect(rows).toEqual(rows.map((r) => ({ sender: r.sender, tickets: 1, acks: 1, copies: 1 })));
    expect(dlqFiles()).toEqual([]);
  });

  // A failed send gives back what it took from the per-sender limit of automatic replies, so the
  // first run and Lambda's two retries during an SES outage do not use up the sender's budget.
  it('every mail delayed by the SES outage is acknowledged once SES is back (the limiter gives back what a failed send took)', () => {
    expect(sesOutageRows.length).toBeGreaterThan(0);
    expect(sesOutageRows.filter((r) => r.acks !== 1).map((r) => r.sender)).toEqual([]);
  });
});
