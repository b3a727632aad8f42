/**
 * Mail loops (DESIGN.md: bounce -> update -> mail -> bounce loops, out-of-office loops): automatic
 * mail must die out, and the number of mails exchanged must stay under a bound the design guarantees.
 *
 * (a) Two deployments that answer each other: stack A (this process) and stack B (a child process,
 *     another mailDomain), each configured with the other's department addresses as agents and lead.
 *     A relay takes every message of one stack's outbox addressed to the other and delivers it over
 *     SMTP (with the Message-ID SES would give it), both ways, until nothing moves.
 *     Bound: every human mail causes at most 4 automatic mails (ack, agents' copy, due warning,
 *     escalation); every automatic mail causes none (Auto-Submitted, X-Triage-Ticket). So exchanged
 *     <= 4 x kick-offs.
 * (b) An auto-responder that ignores Auto-Submitted: it answers every mail it gets with a fresh,
 *     ordinary mail ("Re: ...", new Message-ID, no Auto-Submitted). Bound: the per-sender limit on
 *     automatic replies (config `autoReplyLimits.perSender[0]`: 3 per 10 minutes). Its windows are
 *     fixed, so a burst across a window boundary can meet two windows' worth: acks <= 2 x 3, and
 *     exchanged <= 1 (kick-off) + 2 x acks.
 * (c) A customer whose mailbox is gone (SES bounces every mail to it, and their server also sends a
 *     DSN mail back), and one who reports us as spam: after the first bounce or complaint nothing
 *     more is sent to them, whatever they write.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import nodemailer, { type Transporter } from 'nodemailer';
import { startLocalStack, type LocalStack, type OutboxEntry } from '../../lib/local';
import { startChildStack, type ChildStack } from '../support/child-stack';
import { CONFIG_PATH } from '../support/fixtures';
import { FREE_PORTS, readSent, report, stackClients, waitFor, type SentMessage } from '../support/local-mail';

jest.setTimeout(120_000);

/** Writes a variant of the example config and returns its path. */
function writeConfig(dir: string, name: string, edit: (raw: Record<string, any>) => void): string {
  const raw = parse(readFileSync(CONFIG_PATH, 'utf8')) as Record<string, any>;
  edit(raw);
  const path = join(dir, name);
  writeFileSync(path, stringify(raw));
  return path;
}

/** The raw bytes a recipient would get: SES replaces the Message-ID with its own. */
function asDelivered(entry: OutboxEntry): Buffer {
  const text = readFileSync(entry.emlFile).toString('latin1');
  return Buffer.from(text.replace(/^Message-ID:.*$/im, `Message-ID: ${entry.messageId}`), 'latin1');
}

const smtpTo = (port: number): Transporter =>
  nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: false });

describe('mail loops', () => {
  let dir: string;
  let a: LocalStack;
  let b: ChildStack;
  let toA: Transporter;
  let toB: Transporter;
  const figures: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'triage-loops-'));
    // A: example.com; its triage queue's agent and lead are B's department addresses.
    const configA = writeConfig(dir, 'a.yaml', (raw) => {
      const triage = raw.departments.find((d: any) => d.name === 'triage');
      triage.agents = ['support@example.net'];
      triage.lead = 'help@example.net';
    });
    // B: example.net, one department whose agent and lead are A's department addresses.
    const configB = writeConfig(dir, 'b.yaml', (raw) => {
      raw.mailDomain = 'example.net';
      raw.replyDomain = 'reply.example.net';
      raw.companyName = 'Other Corp';
      raw.generalAddress = 'help@example.net';
      raw.triageQueue = 'support';
      raw.departments = [
        {
          ...raw.departments.find((d: any) => d.name === 'support'),
          addresses: ['support@example.net'],
          agents: ['billing@example.com'],
          lead: 'help@example.com',
          prefix: 'OTH',
        },
      ];
      // another company: none of A's routing rules or automatic answers (they name A's departments)
      delete raw.routing;
      delete raw.faq;
    });
    const timeScale = 1_000_000; // escalations happen too, within the test
    [a, b] = await Promise.all([
      startLocalStack({
        stateDir: join(dir, 'a'),
        configPath: configA,
        ports: FREE_PORTS,
        log: () => undefined,
        timeScale,
        retryDelaysMs: [50, 100],
      }),
      startChildStack({
        stateDir: join(dir, 'b'),
        configPath: configB,
        ports: FREE_PORTS,
        timeScale,
        retryDelaysMs: [50, 100],
      }),
    ]);
    toA = smtpTo(a.ports.smtp);
    toB = smtpTo(b.ports.smtp);
  });

  afterAll(async () => {
    toA?.close();
    toB?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    if (figures.length) report('loop figures', figures);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const belongsToA = (address: string) => address.endsWith('@example.com') || address.endsWith('@reply.example.com');
  const belongsToB = (address: string) => address.endsWith('@example.net') || address.endsWith('@reply.example.net');
  const settle = () =>
    Promise.all([a.whenIdle({ timers: true, timeoutMs: 30_000 }), b.whenIdle({ timers: true, timeoutMs: 30_000 })]);

  it('(a) two deployments answering each other exchange a bounded, small number of mails', async () => {
    const kickOffs = [
      // someone at B's shared mailbox writes to A's billing: A acks to B
      () =>
        toA.sendMail({
          envelope: { from: 'support@example.net', to: ['billing@example.com'] },
          from: 'support@example.net',
          to: 'billing@example.com',
          subject: 'Invoice for our order',
          text: 'Please send the invoice.',
          messageId: '<kick1@example.net>',
        }),
      // a customer writes to B: B's agents' copy and escalation go to A
      () =>
        toB.sendMail({
          envelope: { from: 'carol@customer.example.org', to: ['support@example.net'] },
          from: 'carol@customer.example.org',
          to: 'support@example.net',
          subject: 'App crashes',
          text: 'It crashes on login.',
          messageId: '<kick2@customer.example.org>',
        }),
      // someone at A's billing writes to B's general address: B acks to A, and copies and escalates to A
      () =>
        toB.sendMail({
          envelope: { from: 'billing@example.com', to: ['help@example.net'] },
          from: 'billing@example.com',
          to: 'help@example.net',
          subject: 'Question about your API',
          text: 'Is there an API?',
          messageId: '<kick3@example.com>',
        }),
      // a customer writes to A's general address about nothing in particular: A's triage queue copies and escalates to B
      () =>
        toA.sendMail({
          envelope: { from: 'dave@customer.example.org', to: ['help@example.com'] },
          from: 'dave@customer.example.org',
          to: 'help@example.com',
          subject: 'Hello there',
          text: 'Just saying hello.',
          messageId: '<kick4@customer.example.org>',
        }),
    ];
    for (const kick of kickOffs) await kick();

    const relayed: { from: 'A' | 'B'; message: SentMessage }[] = [];
    const seen = { A: 0, B: 0 };
    const deadline = Date.now() + 40_000;
    let quietRounds = 0;
    while (quietRounds < 2 && Date.now() < deadline) {
      await settle();
      let moved = 0;
      for (const [name, entries, send, belongs] of [
        ['A', a.outbox.list(), toB, belongsToB],
        ['B', b.outbox(), toA, belongsToA],
      ] as const) {
        for (const entry of entries.slice(seen[name])) {
          const targets = entry.destinations.map((d) => d.toLowerCase()).filter(belongs);
          if (targets.length === 0) continue;
          await send.sendMail({ envelope: { from: entry.source ?? '', to: targets }, raw: asDelivered(entry) });
          relayed.push({ from: name, message: readSent(entry) });
          moved++;
        }
        seen[name] = entries.length;
      }
      quietRounds = moved === 0 ? quietRounds + 1 : 0;
    }
    await settle();

    const bound = 4 * kickOffs.length;
    // what either side sent in reply to a mail that crossed (threaded to its delivered Message-ID)
    const relayedIds = new Set(relayed.map((r) => r.message.entry.messageId.toLowerCase()));
    const answersToRelayed = [...a.outbox.list(), ...b.outbox()]
      .map(readSent)
      .filter((m) =>
        relayedIds.has((m.headers.find((h) => h.name.toLowerCase() === 'in-reply-to')?.value ?? '').toLowerCase()),
      );
    figures.push(
      `(a) two deployments: ${kickOffs.length} human mails, ${relayed.length} automatic mails crossed between them (bound ${bound}): ` +
        `${relayed.filter((r) => r.from === 'A').length} A->B, ${relayed.filter((r) => r.from === 'B').length} B->A; ` +
        `kinds ${[...new Set(relayed.map((r) => r.message.autoSubmitted))].join(', ')}`,
    );
    expect(quietRounds).toBe(2); // the exchange stopped by itself
    expect(relayed.length).toBeGreaterThan(0);
    expect(relayed.length).toBeLessThanOrEqual(bound);
    // every mail that crossed is marked automatic, and none of them was acknowledged by the other side
    expect(relayed.every((r) => r.message.autoSubmitted && r.message.autoSubmitted !== 'no')).toBe(true);
    expect(answersToRelayed.map((m) => `${m.subject} -> ${m.to}`)).toEqual([]);
  });

  it('(b) an auto-responder that ignores Auto-Submitted is answered a few times, then no more', async () => {
    const perSender = a.config.autoReplyLimits.perSender[0];
    const maxAcks = 2 * perSender.max; // fixed windows: two windows' worth across a boundary
    const bound = 1 + 2 * maxAcks;
    /** A bot that answers every mail it gets with a fresh, ordinary mail (no Auto-Submitted, no In-Reply-To, a new Message-ID). */
    const runBot = async (bot: string, subjectOf: (received: SentMessage, n: number) => string) => {
      await toA.sendMail({
        from: bot,
        to: 'billing@example.com',
        subject: 'Refund please',
        text: 'I want a refund.',
        messageId: `<${bot}-0>`,
      });
      let answered = 0;
      let botMails = 1;
      const deadline = Date.now() + 40_000;
      for (let quiet = 0; quiet < 2 && Date.now() < deadline; ) {
        await a.whenIdle({ timeoutMs: 30_000 });
        const toBot = a.outbox.list().filter((e) => e.destinations.map((d) => d.toLowerCase()).includes(bot));
        const fresh = toBot.slice(answered);
        for (const entry of fresh) {
          const m = readSent(entry);
          botMails++;
          await toA.sendMail({
            from: bot,
            to: m.from,
            subject: subjectOf(m, botMails),
            text: 'Thank you for your message. This is an automatic answer.',
            messageId: `<${bot}-${botMails}>`,
          });
        }
        answered = toBot.length;
        quiet = fresh.length === 0 ? quiet + 1 : 0;
      }
      return { botMails, answered, exchanged: botMails + answered };
    };
    // "Re: <our subject>": keeps our [TICKET] tag, so it joins the ticket (threading), which sends no new ack
    const re = await runBot('re-bot@bot.example.org', (m) => `Re: ${m.subject}`);
    // a fresh subject every time: every mail opens a new ticket; only the per-sender limit stops the acks
    const fresh = await runBot('fresh-bot@bot.example.org', (_, n) => `Your request number ${n} has been received`);
    figures.push(
      `(b) auto-responder answering "Re: <subject>": ${re.exchanged} mails exchanged (${re.botMails} from the bot, ${re.answered} to it); bound ${bound} (1 + 2 x ${maxAcks} acks)`,
    );
    figures.push(
      `(b) auto-responder answering with a new subject each time: ${fresh.exchanged} mails exchanged (${fresh.botMails} from the bot, ${fresh.answered} to it); bound ${bound}`,
    );
    for (const run of [re, fresh]) {
      expect(run.answered).toBeGreaterThanOrEqual(1);
      expect(run.answered).toBeLessThanOrEqual(maxAcks);
      expect(run.exchanged).toBeLessThanOrEqual(bound);
    }
    // the limit, not luck, ended the second one: it got at least the window's worth of acks, then silence
    expect(fresh.answered).toBeGreaterThanOrEqual(perSender.max);
  });

  it('(c) a mailbox that bounces, and a customer who complains, get one mail and then nothing, whatever they write', async () => {
    const gone = 'gone@customer.example.org';
    a.testHooks.feedback.alwaysBounce(gone);
    const dsnTo = (entry: OutboxEntry) =>
      // their server also sends a delivery status notification back to the sender, from the null sender
      toA.sendMail({
        envelope: { from: '', to: [entry.source ?? 'billing@example.com'] },
        raw: [
          'From: Mail Delivery System <MAILER-DAEMON@customer.example.org>',
          `To: ${entry.source}`,
          'Subject: Undelivered Mail Returned to Sender',
          `Message-ID: <dsn-${entry.sesMessageId}@customer.example.org>`,
          'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
          '',
          '--b',
          'Content-Type: text/plain',
          '',
          `Your message to ${gone} could not be delivered.`,
          '--b',
          'Content-Type: message/delivery-status',
          '',
          `Final-Recipient: rfc822; ${gone}`,
          'Action: failed',
          'Status: 5.1.1',
          '--b--',
          '',
        ].join('\r\n'),
      });
    const sentTo = (address: string) =>
      a.outbox.list().filter((e) => e.destinations.map((d) => d.toLowerCase()).includes(address));
    let dsns = 0;
    for (let i = 1; i <= 4; i++) {
      await toA.sendMail({
        from: gone,
        to: 'sales@example.com',
        subject: `Order question ${i}`,
        text: 'Where is my order?',
        messageId: `<gone-${i}@customer.example.org>`,
      });
      await a.whenIdle({ timeoutMs: 30_000 });
      for (const entry of sentTo(gone).slice(dsns)) {
        await dsnTo(entry);
        dsns++;
      }
      await a.whenIdle({ timeoutMs: 30_000 });
    }
    const complainer = 'complaint@simulator.amazonses.com';
    for (let i = 1; i <= 3; i++) {
      await toA.sendMail({
        from: complainer,
        to: 'support@example.com',
        subject: `Login broken ${i}`,
        text: 'I cannot log in.',
        messageId: `<complaint-${i}@simulator.amazonses.com>`,
      });
      await a.whenIdle({ timeoutMs: 30_000 });
    }

    const clients = stackClients(a);
    try {
      const tickets = await clients.repository.listTickets();
      const goneTickets = tickets.filter((t) => t.customer === gone);
      const notes = (await Promise.all(goneTickets.map((t) => clients.repository.listMessages(t.id))))
        .flat()
        .filter((m) => m.kind === 'bounce');
      const complaintNotes = (
        await Promise.all(
          tickets.filter((t) => t.customer === complainer).map((t) => clients.repository.listMessages(t.id)),
        )
      )
        .flat()
        .filter((m) => m.kind === 'complaint');
      figures.push(
        `(c) bouncing mailbox: 4 mails in, ${sentTo(gone).length} mail sent to it, ${notes.length} bounce noted on its ticket, ${dsns} DSN mail(s) back, none answered; ` +
          `complaining customer: 3 mails in, ${sentTo(complainer).length} mail sent, ${complaintNotes.length} complaint noted`,
      );
      expect(sentTo(gone)).toHaveLength(1);
      expect(sentTo(complainer)).toHaveLength(1);
      expect(notes.length).toBeGreaterThanOrEqual(1);
      expect(notes[0].text).toMatch(/Permanent bounce \(General\) of our acknowledgement: gone@customer\.example\.org/);
      expect(complaintNotes.length).toBeGreaterThanOrEqual(1);
      // the DSN mails were stored as machine mail, not answered
      expect(sentTo('mailer-daemon@customer.example.org')).toHaveLength(0);
      // the agents still get every one of the customer's mails
      expect(
        a.outbox.list().filter((e) => e.destinations.includes('sam@agents.example.com')).length,
      ).toBeGreaterThanOrEqual(goneTickets.length);
    } finally {
      clients.destroy();
    }
    await waitFor(
      () => (a.testHooks.feedback.delivered.filter((d) => d.address === gone).length === 1 ? true : undefined),
      5_000,
      'one bounce notification',
    );
  });
});
