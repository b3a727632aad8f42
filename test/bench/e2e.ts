import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { fork, type ChildProcess } from 'node:child_process';
import { startLocalStack, type InvocationRecord, type LocalStack, type OutboxEntry } from '../../lib/local';
import { AwsCallCounter, type AwsCallCounts } from './aws-calls';
import { mean, median, nowMs, percentile } from './stats';

/** What customers write: every department, keyword routing on the general address, text + HTML. */
const MESSAGES = [
  {
    to: 'billing@example.com',
    subject: 'Charged twice for invoice 2026-114',
    body: 'Hello,\n\nmy card was charged twice for the same invoice this month. Could you refund the second payment?',
  },
  {
    to: 'help@example.com',
    subject: 'Please refund my last payment',
    body: 'Hi, I cancelled the subscription but the payment still went through. I would like a refund.',
  },
  {
    to: 'support@example.com',
    subject: 'App crashes on login',
    body: 'Since the update the app crashes as soon as I log in. I reinstalled it twice; same error.',
  },
  {
    to: 'help@example.com',
    subject: 'Password reset link is broken',
    body: 'The password reset link in your mail says the page is not working. Can you help me log in?',
  },
  {
    to: 'sales@example.com',
    subject: 'Quote for 40 licenses',
    body: 'We would like a quote for 40 licenses with the annual discount, and a demo for the team.',
  },
  {
    to: 'help@example.com',
    subject: 'Upgrade pricing',
    body: 'What is the price to upgrade our plan to the next tier? Do you offer a trial?',
  },
  {
    to: 'oops@example.com',
    subject: 'Something went wrong',
    body: 'I saw an exception on the dashboard page this morning, then the page was blank.',
  },
  {
    to: 'help@example.com',
    subject: 'Question about my account',
    body: 'Hello, I have a general question about my account settings and where to change my address.',
  },
];

function letter(i: number, customer: string) {
  const m = MESSAGES[i % MESSAGES.length];
  const text = `${m.body}\n\nOrder reference ${100000 + i}.\n\nKind regards,\nCustomer ${i}\n--\nSent from my phone`;
  const html = `<html><body><p>${m.body}</p><p>Order reference <b>${100000 + i}</b>.</p><p>Kind regards,<br>Customer ${i}</p><div style="color:#888">Sent from my phone</div></body></html>`;
  return { from: `"Customer ${i}" <${customer}>`, to: m.to, subject: m.subject, text, html };
}

export interface LatencyResult {
  mails: number;
  concurrency: number;
  acked: number;
  failed: string[];
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  wallMs: number;
  /** inbound handler durations (local stack's invocation records) during the run, 4 at a time */
  inboundMs: { mean: number; p50: number; p95: number; first: number };
  /** mean inbound handler duration when mails come one at a time (the counted phase): the duration of one invocation */
  sequentialInboundMs: number;
  outcomes: Record<string, number>;
  /**
   * p50/p95 of the first 100 acknowledgements and of the rest: the local stack starts cold (every
   * thread's code not yet compiled by V8's optimising tiers), and the first mails carry most of the tail.
   */
  warmup: { first: number; firstP50: number; firstP95: number; restP50: number; restP95: number };
}

export interface FlowResult {
  attempted: number;
  completed: number;
  p50: number;
  p95: number;
  handlerMeanMs: number;
  outcomes: Record<string, number>;
  calls: AwsCallCounts;
}

export interface E2EResult {
  startupMs: number;
  latency: LatencyResult;
  /** the AWS calls of `countedTickets` new tickets, made one at a time after the latency run */
  mailCalls: AwsCallCounts;
  countedTickets: number;
  tickets: number;
  agentCopyRecipients: number;
  replies: FlowResult;
  timers: FlowResult & { stepMs: number };
}

const label = (rec: InvocationRecord) => rec.function;
const ACK_TIMEOUT_MS = 30_000;

function resultOutcomes(records: InvocationRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) {
    const list = Array.isArray(r.result) ? r.result : [r.result];
    for (const o of list as { outcome?: string }[]) {
      const k = r.ok ? (o?.outcome ?? 'ok') : `error: ${r.error?.errorMessage.slice(0, 80)}`;
      out[k] = (out[k] ?? 0) + 1;
    }
  }
  return out;
}

/** Waits for the first outbox message to `address` after now (registered before the mail that causes it is sent). */
class OutboxWaiters {
  private readonly waiting = new Map<
    string,
    { resolve: (v: { at: number; entry: OutboxEntry }) => void; timer: NodeJS.Timeout }
  >();
  constructor(stack: LocalStack) {
    stack.events.on('sent', (entry) => {
      const at = nowMs();
      for (const d of entry.destinations) {
        const w = this.waiting.get(d.toLowerCase());
        if (!w) continue;
        this.waiting.delete(d.toLowerCase());
        clearTimeout(w.timer);
        w.resolve({ at, entry });
      }
    });
  }
  /** Gives up on every wait (the run is aborted). */
  cancelAll(): void {
    for (const [address, w] of this.waiting) {
      clearTimeout(w.timer);
      this.waiting.delete(address);
      w.resolve(undefined as never);
    }
  }

  next(address: string, timeoutMs: number): Promise<{ at: number; entry: OutboxEntry } | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(address);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(address.toLowerCase(), { resolve, timer });
    });
  }
}

/** The customers' MTAs: smtp-senders.js in a child process, one SMTP transport per concurrent sender. */
class Senders {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private seq = 0;
  readonly ready: Promise<void>;

  constructor(port: number, concurrency: number) {
    this.child = fork(join(__dirname, 'smtp-senders.js'), [String(port), String(concurrency)], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.on('message', (m: { ready?: boolean; id?: number; ok?: boolean; error?: string }) => {
        if (m.ready) return resolve();
        const p = this.pending.get(m.id!);
        this.pending.delete(m.id!);
        if (m.ok) p?.resolve();
        else p?.reject(new Error(m.error));
      });
    });
  }

  send(transport: number, mail: Record<string, unknown>): Promise<void> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, mail, transport });
    });
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

function header(eml: string, name: string): string | undefined {
  const head = eml.slice(0, eml.search(/\r?\n\r?\n/));
  const m = new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  return m?.[1].replace(/\r?\n[ \t]+/g, ' ').trim();
}

/**
 * `e2e_p50_ms` / `e2e_p95_ms`: the local stack (`startLocalStack`, free ports, temporary state), 500
 * mails over SMTP from 8 concurrent senders, each a distinct customer with its own Message-ID; at most
 * 8 mails are in flight: a sender sends its next mail when the previous one was acknowledged. Latency
 * is from the SMTP server accepting the mail (its 250 reply, the `mail` event) to the acknowledgement
 * appearing in the outbox (the `sent` event). Then, on the same stack, agents answer some tickets
 * through their reply addresses (relayed to the customer) and some timers are run to the end, to
 * measure what those cost. Every AWS call is counted (aws-calls.ts).
 */
export async function measureE2E(options: {
  mails: number;
  concurrency: number;
  counted: number;
  replies: number;
  timers: number;
  gsiKeys: string[][];
  profileDir?: string;
  deadlineMs: number;
}): Promise<E2EResult> {
  const stateDir = mkdtempSync(join(tmpdir(), 'triage-bench-'));
  const counter = new AwsCallCounter(options.gsiKeys);
  let stack: LocalStack | undefined;
  let senders: Senders | undefined;
  try {
    // each function thread loads the request capture of the AWS call counter (made above, before the threads start)
    stack = await startLocalStack({
      stateDir,
      ports: { smtp: 0, s3: 0, dynamodb: 0, ses: 0, secretsmanager: 0, sfn: 0 },
      log: () => undefined,
      functionPreload: [join(__dirname, 'aws-calls-thread.ts')],
    });
    const { endpoints } = stack;
    const waiters = new OutboxWaiters(stack);
    const invocations: InvocationRecord[] = [];
    // A broken handler must not turn the benchmark into a 30-minute wait: give up after a few failures.
    let abort: string | undefined;
    const failures: string[] = [];
    stack.events.on('invocation', (rec) => {
      invocations.push(rec);
      if (rec.ok) return;
      failures.push(`${rec.error?.errorType}: ${rec.error?.errorMessage}`);
      if (failures.length >= 5 && !abort) {
        abort = `the handlers failed ${failures.length} times, e.g. ${failures[0]}`;
        waiters.cancelAll();
      }
    });
    const accepted = new Map<string, number>();
    stack.events.on('mail', (m) => accepted.set(m.mailFrom.toLowerCase(), nowMs()));
    senders = new Senders(stack.ports.smtp, options.concurrency);
    await senders.ready;
    const send = senders.send.bind(senders);
    const run = Date.now().toString(36);

    // 1. customers write: closed loop of `concurrency` senders
    const latencies: number[] = [];
    const failed: string[] = [];
    const acks = new Map<string, OutboxEntry>();
    let next = 0;
    const profiler = options.profileDir ? new Session() : undefined;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const started = nowMs();
    const deadline = setTimeout(() => {
      abort ??= `not done after ${options.deadlineMs / 1000} s`;
      waiters.cancelAll();
    }, options.deadlineMs);
    await Promise.all(
      Array.from({ length: options.concurrency }, async (_, w) => {
        for (let i = next++; i < options.mails && !abort; i = next++) {
          const customer = `customer${i}.${run}@client${i % 37}.example.org`;
          const ack = waiters.next(customer, ACK_TIMEOUT_MS);
          const sentAt = nowMs();
          await send(w, { ...letter(i, customer), messageId: `<bench-${run}-${i}@client${i % 37}.example.org>` });
          const seen = await ack;
          if (!seen) {
            // never acknowledged: counted at the timeout, so that it weighs on the percentiles
            failed.push(customer);
            latencies.push(ACK_TIMEOUT_MS);
            continue;
          }
          acks.set(customer, seen.entry);
          latencies.push(seen.at - (accepted.get(customer) ?? sentAt));
        }
      }),
    );
    const wallMs = nowMs() - started;
    clearTimeout(deadline);
    if (abort) throw new Error(`e2e aborted: ${abort}`);
    await stack.whenIdle({ timeoutMs: 60_000 });
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(join(options.profileDir!, 'e2e-latency.cpuprofile'), JSON.stringify(profile));
      profiler.disconnect();
    }
    const inbound = invocations.filter((r) => /inbound/i.test(label(r)));

    // 1b. what one new ticket costs in AWS calls: more customers, one at a time, with every call counted
    // (counting copies request bodies; it stays out of the latency measurement above)
    await counter.watch({
      dynamodb: endpoints.dynamodb,
      s3: endpoints.s3,
      ses: endpoints.ses,
      sfn: endpoints.sfn,
      secretsmanager: endpoints.secretsmanager,
    });
    const beforeCounted = invocations.length;
    for (let i = options.mails; i < options.mails + options.counted; i++) {
      const customer = `customer${i}.${run}@client${i % 37}.example.org`;
      const ack = waiters.next(customer, 30_000);
      await send(0, { ...letter(i, customer), messageId: `<bench-${run}-${i}@client${i % 37}.example.org>` });
      const seen = await ack;
      if (seen) acks.set(customer, seen.entry);
      await stack.whenIdle({ timeoutMs: 30_000 });
    }
    const mailCalls = await counter.take();
    const countedRecords = invocations.slice(beforeCounted).filter((r) => /inbound/i.test(label(r)));
    const countedTickets = countedRecords
      .flatMap((r) => (Array.isArray(r.result) ? r.result : []))
      .filter((o: { outcome?: string }) => o.outcome === 'created').length;
    const sentAll = stack.outbox.list();
    const agentCopies = sentAll.filter((e) => !e.destinations.some((d) => d.startsWith('customer')));
    const tickets = invocations
      .filter((r) => /inbound/i.test(label(r)))
      .flatMap((r) => (Array.isArray(r.result) ? r.result : []))
      .filter((o: { outcome?: string }) => o.outcome === 'created').length;
    const inboundDurations = inbound.map((r) => r.durationMs);
    const latency: LatencyResult = {
      mails: options.mails,
      concurrency: options.concurrency,
      acked: latencies.length - failed.length,
      failed,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: Math.max(...latencies),
      mean: mean(latencies),
      wallMs,
      inboundMs: {
        mean: mean(inboundDurations),
        p50: percentile(inboundDurations, 50),
        p95: percentile(inboundDurations, 95),
        first: inboundDurations[0] ?? Number.NaN,
      },
      sequentialInboundMs: mean(countedRecords.map((r) => r.durationMs)),
      outcomes: resultOutcomes(inbound),
      warmup: {
        first: Math.min(100, latencies.length),
        firstP50: percentile(latencies.slice(0, 100), 50),
        firstP95: percentile(latencies.slice(0, 100), 95),
        restP50: percentile(latencies.slice(100), 50),
        restP95: percentile(latencies.slice(100), 95),
      },
    };

    // 2. agents answer through the per-ticket reply address; the relay goes to the customer
    const copies = new Map<string, { replyTo: string; messageId: string; agent: string; subject: string }>();
    for (const e of agentCopies) {
      const eml = readFileSync(e.emlFile, 'latin1');
      const subject = header(eml, 'Subject') ?? '';
      const ticketId = /\[([A-Z]{2,5}-\d+)\]/.exec(subject)?.[1];
      const replyTo = header(eml, 'Reply-To');
      if (ticketId && replyTo)
        copies.set(ticketId, {
          replyTo: replyTo.replace(/^.*<|>.*$/g, ''),
          messageId: e.messageId,
          agent: e.destinations[0],
          subject,
        });
    }
    const customerOf = new Map<string, string>();
    for (const [customer, entry] of acks) {
      const ticketId = /\[([A-Z]{2,5}-\d+)\]/.exec(header(readFileSync(entry.emlFile, 'latin1'), 'Subject') ?? '')?.[1];
      if (ticketId) customerOf.set(ticketId, customer);
    }
    const chosen = [...copies.keys()].filter((t) => customerOf.has(t)).slice(0, options.replies);
    const before = invocations.length;
    const replyLatencies: number[] = [];
    // one at a time: the handler durations are what one invocation takes
    for (const ticketId of chosen) {
      const copy = copies.get(ticketId)!;
      const relayed = waiters.next(customerOf.get(ticketId)!, 15_000);
      await send(0, {
        from: copy.agent,
        to: copy.replyTo,
        subject: `Re: ${copy.subject}`,
        inReplyTo: copy.messageId,
        references: copy.messageId,
        text: `Hello,\n\nwe have refunded the second payment; it shows on your statement within five days.\n\nBest regards\n\n> ${copy.subject}\n> (quoted copy)`,
      });
      const acceptedAt = nowMs();
      const seen = await relayed;
      if (seen) replyLatencies.push(seen.at - acceptedAt);
      await stack.whenIdle({ timeoutMs: 30_000 });
    }
    const replyRecords = invocations.slice(before).filter((r) => /inbound/i.test(label(r)));
    const replies: FlowResult = {
      attempted: chosen.length,
      completed: replyLatencies.length,
      p50: percentile(replyLatencies, 50),
      p95: percentile(replyLatencies, 95),
      handlerMeanMs: mean(replyRecords.map((r) => r.durationMs)),
      outcomes: resultOutcomes(replyRecords),
      calls: await counter.take(),
    };

    // 3. timer steps that come due: an `escalate` step of the ticket's current generation, due now (nobody answered: it acts, mails the lead)
    const sfn = new SFNClient({
      region: stack.region,
      endpoint: endpoints.sfn,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    const due = [...customerOf.keys()].filter((t) => !chosen.includes(t)).slice(0, options.timers);
    const beforeTimers = invocations.length;
    // one at a time, like the replies: each execution's task durations are one invocation's
    for (const ticketId of due) {
      const name = `${ticketId}-bench-${run}`;
      const finished = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 30_000);
        const onExecution = (rec: { name: string; status: string }) => {
          if (rec.name !== name || rec.status === 'RUNNING') return;
          clearTimeout(timer);
          stack!.events.off('execution', onExecution);
          resolve();
        };
        stack!.events.on('execution', onExecution);
      });
      await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: stack.stateMachineArn,
          name,
          input: JSON.stringify({
            ticketId,
            generation: 0,
            step: 'escalate',
            at: new Date(Date.now() - 1000).toISOString(),
          }),
        }),
      );
      await finished;
      await stack.whenIdle({ timeoutMs: 30_000 });
    }
    sfn.destroy();
    const timerRecords = invocations.slice(beforeTimers).filter((r) => /timer/i.test(label(r)));
    const runs = timerRecords.filter((r) => (r.event as { action?: string })?.action === 'run');
    const acted = runs.filter((r) => (r.result as { acted?: boolean } | undefined)?.acted === true);
    const timers = {
      attempted: due.length,
      completed: acted.length,
      p50: percentile(
        timerRecords.map((r) => r.durationMs),
        50,
      ),
      p95: percentile(
        timerRecords.map((r) => r.durationMs),
        95,
      ),
      handlerMeanMs: mean(timerRecords.map((r) => r.durationMs)),
      /** one timer step (re-read, mail, record, plan the next) */
      stepMs: median(runs.map((r) => r.durationMs)),
      outcomes: { run: runs.length, acted: acted.length },
      calls: await counter.take(),
    };
    return {
      startupMs: stack.startupMs,
      latency,
      mailCalls,
      countedTickets,
      tickets,
      agentCopyRecipients: tickets ? agentCopies.reduce((s, e) => s + e.destinations.length, 0) / tickets : 0,
      replies,
      timers,
    };
  } finally {
    await counter.stop();
    senders?.close();
    await stack?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
