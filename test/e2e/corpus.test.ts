/**
 * Real mail nobody here wrote (../shared/corpus: bounces/, not-bounces/, mailgem/) through the local
 * stack, the way SES delivers it (a put under the receipt rule's prefix; the S3 event runs the inbound
 * function), plus variants that test the CLASS of problem rather than the file: every file again with
 * CR-only, LF-only and CRLF line ends, and synthetic mail with a 200 KB header, 8-bit garbage in
 * headers, and From/Date/Message-ID missing.
 *
 * What must hold (corpus README):
 * - every file gets an outcome (created, appended, duplicate, suppressed, rejected ...), nothing crashes:
 *   no failed invocation, nothing in the dead-letter queue;
 * - the raw bytes are kept: read back from S3, byte-equal;
 * - no file of bounces/ gets any automatic reply: nothing in the outbox goes to an address of its
 *   From, Return-Path or Reply-To; and none of them opens a normal ticket waiting for an agent;
 * - every file of mailgem/ and not-bounces/ opens (or joins) a ticket with at most one acknowledgement,
 *   or is refused with a stated reason.
 * The figures are printed at the end ("corpus figures"); README "Reliability and what the tests prove" quotes them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MailparserReader } from '../../functions/adapters/mailparser-reader';
import type { ObjectOutcome } from '../../functions/ports';
import { startLocalStack, type LocalStack } from '../../lib/local';
import { CORPUS, FIXTURES } from '../support/fixtures';
import { FREE_PORTS, putRawMail, readSent, report, stackClients, type SentMessage } from '../support/local-mail';

jest.setTimeout(180_000);

const FOLDERS = ['bounces', 'not-bounces', 'mailgem'] as const;
type Folder = (typeof FOLDERS)[number];
type Variant = 'original' | 'lf' | 'crlf' | 'cr';
/** Where corpus mail is delivered: the general address (placed by keywords, else the triage queue). */
const TO = 'help@example.com';

interface Delivery {
  folder: Folder | 'synthetic';
  file: string;
  variant: Variant | string;
  raw: Buffer;
  key: string;
  outcome?: ObjectOutcome;
}

/** The header block as latin1 text, and where the body starts. */
function splitHeader(raw: Buffer): { head: string; rest: string } {
  const text = raw.toString('latin1');
  const m = /\r\n\r\n|\n\n|\r\r/.exec(text);
  return m ? { head: text.slice(0, m.index), rest: text.slice(m.index) } : { head: text, rest: '' };
}

/** Line ends rewritten; the Message-ID gets a suffix so that dedupe does not hide the variant behind the original. */
function variantOf(raw: Buffer, variant: Exclude<Variant, 'original'>): Buffer {
  const { head, rest } = splitHeader(raw);
  const renamed = head.replace(
    /^(message-id:[ \t]*(?:(?:\r\n|\n|\r)[ \t]+)?<?)([^<>\s]+)/gim,
    (_, start: string, id: string) =>
      `${start}${id.includes('@') ? id.replace('@', `.${variant}-variant@`) : `${id}.${variant}-variant`}`,
  );
  const lf = (renamed + rest).replace(/\r\n|\r/g, '\n');
  const eol = variant === 'lf' ? '\n' : variant === 'crlf' ? '\r\n' : '\r';
  return Buffer.from(variant === 'lf' ? lf : lf.replace(/\n/g, eol), 'latin1');
}

function corpusFiles(folder: Folder): string[] {
  return readdirSync(join(CORPUS, folder))
    .filter((f) => !/^(LICENSE|README)/i.test(f))
    .sort();
}

/** Synthetic mail for classes of problems no corpus file has. */
function syntheticMail(): { name: string; raw: Buffer; expect: 'ticket' | 'rejected' }[] {
  const base = readFileSync(join(FIXTURES, 'refund-to-help.eml')).toString('latin1').replace(/\r\n/g, '\n');
  const { head, rest } = splitHeader(Buffer.from(base, 'latin1'));
  const lines = head.split('\n');
  const drop = (name: string) => (text: string) => text.replace(new RegExp(`^${name}:.*(\\n[ \\t].*)*\\n?`, 'im'), '');
  const withHead = (edit: (h: string) => string, from = 'synthetic') =>
    Buffer.from(
      `${edit(lines.join('\n'))
        .replace(/^From:.*$/im, `From: "Synthetic" <${from}@customer.example.org>`)
        .replace(
          /^Message-ID:.*$/im,
          `Message-ID: <${from}.${randomBytes(4).toString('hex')}@customer.example.org>`,
        )}${rest}`,
      'latin1',
    );
  const fold = (text: string) => text.match(/.{1,76}/g)!.join('\n ');
  const big = 'x'.repeat(200 * 1024);
  const garbage = (n: number, seed: number) =>
    Buffer.from(Array.from({ length: n }, (_, i) => 0x80 + ((seed * 7919 + i * 104729) % 128))).toString('latin1');
  return [
    { name: '200 KB X- header', raw: withHead((h) => `${h}\nX-Big: ${fold(big)}`, 'big-x'), expect: 'ticket' },
    {
      name: '200 KB Subject',
      raw: withHead(
        (h) => h.replace(/^Subject:.*$/im, `Subject: ${fold(`refund ${'lorem ipsum '.repeat(19000)}`)}`),
        'big-subject',
      ),
      expect: 'ticket',
    },
    // 2,000 Message-IDs of ~100 characters (the inbound function looks each one up: see the figures for its time)
    {
      name: '200 KB References',
      raw: withHead(
        (h) =>
          `${h}\nReferences: ${Array.from({ length: 2000 }, (_, i) => `<ref${i}.${'r'.repeat(72)}@old.example.org>`).join('\n ')}`,
        'big-refs',
      ),
      expect: 'ticket',
    },
    {
      name: '200 KB Cc',
      raw: withHead(
        (h) =>
          h.replace(
            /^Cc:.*$/im,
            `Cc: ${Array.from({ length: 5000 }, (_, i) => `person${i}@cc.example.org`).join(',\n ')}`,
          ),
        'big-cc',
      ),
      expect: 'ticket',
    },
    {
      name: '8-bit garbage in Subject and From name',
      raw: withHead(
        (h) =>
          h
            .replace(/^Subject:.*$/im, `Subject: refund ${garbage(60, 1)}`)
            .replace(/^(From:).*$/im, `From: ${garbage(20, 2)} <garbage-from@customer.example.org>`),
        'garbage-subject',
      ),
      expect: 'ticket',
    },
    {
      name: '8-bit garbage header lines',
      raw: withHead(
        (h) => `${h}\nX-${garbage(10, 3)}: ${garbage(80, 4)}\n${garbage(30, 5)}\nX-Ok: fine`,
        'garbage-lines',
      ),
      expect: 'ticket',
    },
    {
      name: 'garbage bytes only in the From header',
      raw: Buffer.from(`${drop('From')(lines.join('\n'))}\nFrom: ${garbage(40, 6)}${rest}`, 'latin1'),
      expect: 'rejected',
    },
    {
      name: 'missing From',
      raw: Buffer.from(`${drop('From')(lines.join('\n'))}${rest}`, 'latin1'),
      expect: 'rejected',
    },
    { name: 'missing Date', raw: withHead(drop('Date'), 'no-date'), expect: 'ticket' },
    {
      name: 'missing Message-ID',
      raw: Buffer.from(
        `${drop('Message-ID')(lines.join('\n').replace(/^From:.*$/im, 'From: <no-id@customer.example.org>'))}${rest}`,
        'latin1',
      ),
      expect: 'ticket',
    },
    {
      name: 'missing From, Date and Message-ID',
      raw: Buffer.from(`${drop('Message-ID')(drop('Date')(drop('From')(lines.join('\n'))))}${rest}`, 'latin1'),
      expect: 'rejected',
    },
    {
      name: 'no header/body separator at all',
      raw: Buffer.from(
        'From: <no-body@customer.example.org>\nSubject: refund please\nMessage-ID: <no-body.1@customer.example.org>',
        'latin1',
      ),
      expect: 'ticket',
    },
    { name: 'NUL and control bytes in the body', raw: withHead((h) => h, 'nul-body'), expect: 'ticket' },
  ].map((m) =>
    m.name.startsWith('NUL')
      ? { ...m, raw: Buffer.concat([m.raw, Buffer.from([0, 1, 2, 0x1b, 0x7f, 0, 0x0d, 0x0a])]) }
      : m,
  ) as { name: string; raw: Buffer; expect: 'ticket' | 'rejected' }[];
}

/** Addresses of a raw mail's From, Return-Path and Reply-To (the ones an automatic reply would go to). */
async function replyAddresses(reader: MailparserReader, raw: Buffer): Promise<string[]> {
  const mail = await reader.read(raw);
  const fromHeaders = ['return-path', 'from', 'reply-to', 'sender']
    .flatMap((h) => mail.headers.get(h) ?? [])
    .flatMap((v) => [...v.matchAll(/[^\s<>"',;:()]+@[^\s<>"',;:()]+/g)].map((m) => m[0].toLowerCase()));
  return [
    ...new Set(
      [mail.from?.address, ...mail.replyTo.map((a) => a.address), ...fromHeaders].filter((a): a is string => !!a),
    ),
  ];
}

describe('real mail nobody here wrote, through the local stack', () => {
  let home: string;
  let stack: LocalStack;
  let clients: ReturnType<typeof stackClients>;
  const deliveries: Delivery[] = [];
  const deadLetters: string[] = [];
  const failedInvocations: string[] = [];
  const durations = new Map<string, number>();
  let sent: SentMessage[] = [];
  const reader = new MailparserReader();
  let elapsedMs = 0;

  beforeAll(async () => {
    const started = Date.now();
    home = mkdtempSync(join(tmpdir(), 'triage-corpus-'));
    stack = await startLocalStack({
      stateDir: home,
      ports: FREE_PORTS,
      log: () => undefined,
      retryDelaysMs: [50, 100],
    });
    stack.events.on('deadLetter', (d) => deadLetters.push(d.label));
    stack.events.on('invocation', (rec) => {
      if (!rec.ok) failedInvocations.push(`${rec.label}: ${rec.error?.errorMessage}`);
      durations.set(rec.label, (durations.get(rec.label) ?? 0) + rec.durationMs);
    });
    clients = stackClients(stack);

    const deliverAll = async (batch: Omit<Delivery, 'key'>[]) => {
      // a few puts at a time: the stack runs 4 invocations at once, the rest queue like Lambda's async queue
      for (let i = 0; i < batch.length; i += 16) {
        const keys = await Promise.all(batch.slice(i, i + 16).map((d) => putRawMail(stack, clients.s3, d.raw, TO)));
        for (const [j, key] of keys.entries()) deliveries.push({ ...batch[i + j], key });
      }
      await stack.whenIdle({ timeoutMs: 120_000 });
    };
    const originals = FOLDERS.flatMap((folder) =>
      corpusFiles(folder).map((file) => ({
        folder,
        file,
        variant: 'original' as const,
        raw: readFileSync(join(CORPUS, folder, file)),
      })),
    );
    await deliverAll(originals);
    // Every mail with CR-only line ends; the mails that have CRs also with LF only (the others are LF-only already).
    await deliverAll(
      originals.flatMap((o) =>
        (o.raw.includes(0x0d) ? (['cr', 'lf'] as const) : (['cr'] as const)).map((variant) => ({
          ...o,
          variant,
          raw: variantOf(o.raw, variant),
        })),
      ),
    );
    await deliverAll(
      syntheticMail().map((m) => ({ folder: 'synthetic' as const, file: m.name, variant: m.expect, raw: m.raw })),
    );

    for (let i = 0; i < deliveries.length; i += 32) {
      await Promise.all(
        deliveries.slice(i, i + 32).map(async (d) => (d.outcome = await clients.ledger.getObjectOutcome(d.key))),
      );
    }
    sent = stack.outbox.list().map(readSent);
    elapsedMs = Date.now() - started;
  });

  afterAll(async () => {
    clients?.destroy();
    await stack?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const of = (folder: Delivery['folder'], variant?: string) =>
    deliveries.filter((d) => d.folder === folder && (variant === undefined || d.variant === variant));
  const acksOf = (ticketId: string) => sent.filter((m) => m.ticket === ticketId && m.autoSubmitted === 'auto-replied');

  it('delivers every file of every folder, and every variant', () => {
    for (const folder of FOLDERS) {
      expect(of(folder, 'original').map((d) => d.file)).toEqual(corpusFiles(folder));
      expect(of(folder, 'cr').map((d) => d.file)).toEqual(corpusFiles(folder));
    }
    expect(of('bounces', 'original').length).toBeGreaterThan(100);
  });

  it('gives every file an outcome with a reason; nothing crashes, nothing reaches the dead-letter queue', () => {
    expect(failedInvocations).toEqual([]);
    expect(deadLetters).toEqual([]);
    const missing = deliveries.filter((d) => !d.outcome).map((d) => `${d.folder}/${d.file} (${d.variant})`);
    expect(missing).toEqual([]);
    for (const d of deliveries) expect(d.outcome!.reason.length).toBeGreaterThan(0);
  });

  it('keeps the raw bytes of every file, byte for byte', async () => {
    const differing: string[] = [];
    for (const d of deliveries)
      if (!(await stack.readRawMail(d.key)).equals(d.raw)) differing.push(`${d.folder}/${d.file} (${d.variant})`);
    expect(differing).toEqual([]);
  });

  it('sends no automatic reply of any kind to any address of a bounce (From, Return-Path, Reply-To), and opens no ticket for one', async () => {
    const bounces = of('bounces');
    const machine = new Set<string>();
    for (const d of bounces) for (const a of await replyAddresses(reader, d.raw)) machine.add(a);
    const repliesToMachines = sent.filter((m) => m.to.some((a) => machine.has(a)));
    expect(repliesToMachines.map((m) => `${m.subject} -> ${m.to.join(', ')}`)).toEqual([]);
    const opened = bounces.filter((d) => ['created', 'appended', 'relayed'].includes(d.outcome!.outcome));
    expect(opened.map((d) => `${d.file} (${d.variant}): ${d.outcome!.outcome} ${d.outcome!.reason}`)).toEqual([]);
    // and no ticket of the table was opened by one of them
    const bounceKeys = new Set(bounces.map((d) => d.key));
    const tickets = await clients.repository.listTickets();
    const openedByBounce: string[] = [];
    for (const t of tickets) {
      const first = (await clients.repository.listMessages(t.id)).find((m) => m.direction === 'in');
      if (first?.rawKey && bounceKeys.has(first.rawKey)) openedByBounce.push(t.id);
    }
    expect(openedByBounce).toEqual([]);
  });

  it('opens or joins a ticket with at most one acknowledgement for mailgem/ and not-bounces/ mail, or refuses it with a reason', () => {
    const people = [...of('mailgem'), ...of('not-bounces')];
    const allowance = new Map<string, number>();
    for (const d of people) {
      const o = d.outcome!;
      if (o.outcome === 'created' || o.outcome === 'appended') {
        expect(o.ticketId).toMatch(/^[A-Z]{2,5}-\d+$/);
        allowance.set(o.ticketId!, (allowance.get(o.ticketId!) ?? 0) + 1);
      } else if (o.outcome === 'duplicate') {
        expect(o.reason).toMatch(/already/);
      } else {
        expect(['suppressed', 'rejected']).toContain(o.outcome);
        expect(o.reason).toMatch(/\w{3,}/);
      }
    }
    const tooMany = [...allowance].filter(
      ([ticketId, deliveriesInto]) => acksOf(ticketId).length > Math.min(1, deliveriesInto),
    );
    expect(tooMany).toEqual([]);
  });

  it('decides the same for a mail whatever its line ends (CR only, LF only, CRLF)', () => {
    // a duplicate stands for the decision on the object it duplicates (the same mail, already handled)
    const byKey = new Map(deliveries.map((d) => [d.key, d]));
    const kind = (o: ObjectOutcome, depth = 0): string => {
      const first = o.outcome === 'duplicate' ? /already delivered as (\S+)/.exec(o.reason)?.[1] : undefined;
      const original = first ? byKey.get(first)?.outcome : undefined;
      if (original && depth < 5) return kind(original, depth + 1);
      return o.outcome === 'created' || o.outcome === 'appended' ? 'ticket' : o.outcome;
    };
    const differ: string[] = [];
    for (const original of deliveries.filter((d) => d.variant === 'original')) {
      for (const v of deliveries.filter(
        (d) => d.folder === original.folder && d.file === original.file && d.variant !== 'original',
      )) {
        if (kind(v.outcome!) !== kind(original.outcome!))
          differ.push(
            `${original.folder}/${original.file} ${v.variant}: ${v.outcome!.outcome} (${v.outcome!.reason}) vs ${original.outcome!.outcome}`,
          );
      }
    }
    expect(differ).toEqual([]);
  });

  it('handles mail with a 200 KB header, 8-bit garbage in headers, and From/Date/Message-ID missing', () => {
    const results = of('synthetic').map((d) => ({
      name: d.file,
      expected: d.variant,
      outcome: d.outcome!.outcome,
      reason: d.outcome!.reason,
      acks: d.outcome!.ticketId ? acksOf(d.outcome!.ticketId).length : 0,
    }));
    for (const r of results) {
      if (r.expected === 'ticket')
        expect({ name: r.name, outcome: r.outcome, acks: r.acks }).toEqual({
          name: r.name,
          outcome: 'created',
          acks: 1,
        });
      else
        expect({ name: r.name, outcome: r.outcome, reason: r.reason }).toEqual({
          name: r.name,
          outcome: 'rejected',
          reason: expect.stringMatching(/sender/),
        });
    }
  });

  // biome-ignore lint/suspicious/noDuplicateTestHooks: a hook of its own prints the figures even when the teardown fails
  afterAll(() => {
    if (deliveries.length === 0) return;
    const lines: string[] = [];
    const count = (list: Delivery[]) => {
      const by = new Map<string, number>();
      for (const d of list)
        by.set(d.outcome?.outcome ?? 'NO OUTCOME', (by.get(d.outcome?.outcome ?? 'NO OUTCOME') ?? 0) + 1);
      return [...by]
        .sort()
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
    };
    for (const folder of FOLDERS) {
      lines.push(
        `${folder.padEnd(12)} ${String(of(folder, 'original').length).padStart(3)} files: ${count(of(folder, 'original'))}`,
      );
      lines.push(
        `${''.padEnd(12)} ${String(of(folder).length - of(folder, 'original').length).padStart(3)} CR-only and LF-only variants: ${count(of(folder).filter((d) => d.variant !== 'original'))}`,
      );
    }
    lines.push(
      `${'synthetic'.padEnd(12)} ${String(of('synthetic').length).padStart(3)} mails: ${count(of('synthetic'))}`,
    );
    const slowest = [...of('synthetic')].sort((a, b) => (durations.get(b.key) ?? 0) - (durations.get(a.key) ?? 0))[0];
    if (slowest)
      lines.push(`${''.padEnd(12)} slowest: ${slowest.file}, ${durations.get(slowest.key)} ms in the inbound function`);
    const machine = new Set(of('bounces').flatMap((d) => [d.outcome?.from].filter(Boolean) as string[]));
    lines.push(
      `objects processed ${deliveries.length}; failed invocations ${failedInvocations.length}; dead letters ${deadLetters.length}`,
    );
    lines.push(
      `messages sent ${sent.length} (acknowledgements ${sent.filter((m) => m.autoSubmitted === 'auto-replied').length}); automatic replies to bounce senders ${sent.filter((m) => m.to.some((a) => machine.has(a))).length}`,
    );
    lines.push(`time ${(elapsedMs / 1000).toFixed(1)} s`);
    report('corpus figures', lines);
  });
});
