import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MailparserReader } from '../../functions/adapters/mailparser-reader';
import { verifyReplyAddress } from '../../functions/domain/reply-token';
import { dedupeKeyOf, recipientOfKey } from '../../functions/domain/delivery-key';
import {
  FixedSecret,
  MemoryAutoReplyLimiter,
  MemoryDeliveryLedger,
  MemoryMailer,
  MemoryQuarantine,
  MemoryRawMailStore,
  MemoryTicketRepository,
  MemoryTimers,
} from '../support/in-memory';
import { FIXTURES, exampleConfig, exampleTemplates } from '../support/fixtures';
import { inboundHarness } from '../support/inbound';

function setup() {
  return inboundHarness({ secrets: new FixedSecret() });
}

const refund = readFileSync(join(FIXTURES, 'refund-to-help.eml'));

describe('ProcessInboundMail', () => {
  it('opens a ticket, acknowledges the customer, forwards to the agents and starts the timer', async () => {
    const { deliver, repository, mailer, timers } = setup();
    const outcome = await deliver('inbound/help@example.com/obj1', refund);
    expect(outcome).toMatchObject({
      outcome: 'created',
      ticketId: 'BIL-1001',
      department: 'billing',
      from: 'jane.doe@customer.example.org',
    });
    expect(outcome.reason).toMatch(/refund/);

    const ticket = repository.tickets.get('BIL-1001')!;
    expect(ticket).toMatchObject({
      department: 'billing',
      status: 'open',
      priority: 'normal',
      customer: 'jane.doe@customer.example.org',
      customerName: 'Jane Doe',
      subject: 'Refund for my last invoice',
    });
    expect(ticket.participants).toEqual(['jane.doe@customer.example.org', 'joe@customer.example.org']);
    // Monday 10:15:02 London + 8 business hours (09:00-17:30): 7h15 on Monday, 45 min on Tuesday.
    expect(ticket.dueAt).toBe('2026-11-24T09:45:02.000Z');
    // The promise is the target plus the department's margin (1 business hour by default).
    expect(ticket.promisedAt).toBe('2026-11-24T10:45:02.000Z');

    const [ack, copy] = mailer.sent;
    expect(ack).toMatchObject({
      kind: 'ack',
      to: ['jane.doe@customer.example.org'],
      from: { address: 'billing@example.com' },
      inReplyTo: '<CAF1234.refund@customer.example.org>',
      references: ['<CAF1234.refund@customer.example.org>'],
    });
    expect(ack.headers['Auto-Submitted']).toBe('auto-replied');
    expect(ack.subject).toBe('[BIL-1001] We have your message: Refund for my last invoice');
    expect(ack.text).toContain('BIL-1001');
    expect(ack.text).toContain('Tuesday 24 November 2026, 10:45 (Europe/London)');

    expect(copy).toMatchObject({
      kind: 'agent-copy',
      to: ['ana@agents.example.com', 'ben@agents.example.com'],
      subject: '[BIL-1001] Refund for my last invoice',
    });
    expect(verifyReplyAddress('k'.repeat(64), copy.replyTo!, 'reply.example.com')).toBe('BIL-1001');
    expect(copy.text).toContain('I was charged twice for invoice 2026-114');

    // The first timer step: the warning at 75 % of the 8-hour target (Monday 10:15 + 6 business hours), then the escalation.
    expect(timers.of('BIL-1001')).toEqual([{ generation: 0, step: 'warn', at: '2026-11-23T16:15:02.000Z' }]);
    expect(ticket.timer).toEqual({ generation: 0, step: 'warn', at: '2026-11-23T16:15:02.000Z' });
    const messages = await repository.listMessages('BIL-1001');
    expect(messages.map((m) => m.kind)).toEqual(['customer', 'ack', 'agent-copy']);
    expect(messages[0].routing).toMatchObject({ rule: 'keywords', department: 'billing' });
    expect(await repository.findTicketByMessageId('<CAF1234.refund@customer.example.org>')).toBe('BIL-1001');
    expect(await repository.findTicketByMessageId('<0100-1@email.amazonses.com>')).toBe('BIL-1001');
  });

  it('gives one ticket and one ack for the same mail delivered four times', async () => {
    const { deliver, repository, mailer } = setup();
    const outcomes = [];
    outcomes.push(await deliver('inbound/help@example.com/obj1', refund));
    outcomes.push(await deliver('inbound/help@example.com/obj1', refund)); // S3 event delivered twice
    outcomes.push(await deliver('inbound/help@example.com/obj2', refund)); // sender retried
    outcomes.push(await deliver('inbound/billing@example.com/obj3', refund)); // also sent to billing@
    expect(outcomes.map((o) => o.outcome)).toEqual(['created', 'duplicate', 'duplicate', 'duplicate']);
    expect(outcomes.every((o) => o.ticketId === 'BIL-1001')).toBe(true);
    expect(repository.tickets.size).toBe(1);
    expect(mailer.sent.filter((m) => m.kind === 'ack')).toHaveLength(1);
  });

  it('resumes after a failed send without a second ack or ticket', async () => {
    const { deliver, repository, mailer } = setup();
    // the ack goes out, the agents' copy fails: the retry sends only the copy
    const send = mailer.send.bind(mailer);
    let calls = 0;
    mailer.send = async (m) => {
      calls++;
      if (calls === 2) throw new Error('SES 500');
      return send(m);
    };
    await expect(deliver('inbound/help@example.com/obj1', refund)).rejects.toThrow('SES 500');
    expect(await deliver('inbound/help@example.com/obj1', refund)).toMatchObject({
      outcome: 'created',
      ticketId: 'BIL-1001',
    });
    expect(mailer.sent.map((m) => m.kind)).toEqual(['ack', 'agent-copy']);
    expect(repository.tickets.size).toBe(1);
    expect(repository.counters.get('BIL')).toBe(1001);
  });

  it('stores machine mail without a ticket or any reply', async () => {
    const { deliver, repository, ledger, mailer, timers } = setup();
    const outcome = await deliver('inbound/billing@example.com/ooo', readFileSync(join(FIXTURES, 'out-of-office.eml')));
    expect(outcome).toMatchObject({ outcome: 'suppressed', reason: expect.stringMatching(/auto-submitted/) });
    expect(mailer.sent).toHaveLength(0);
    expect(repository.tickets.size).toBe(0);
    expect(timers.scheduled.size).toBe(0);
    expect(ledger.outcomes.get('inbound/billing@example.com/ooo')?.outcome).toBe('suppressed');
  });

  it('rejects mail without a usable sender, with the reason', async () => {
    const { deliver, mailer } = setup();
    expect(await deliver('inbound/support@example.com/x', 'Subject: hello\r\n\r\nno sender\r\n')).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(/no usable sender/),
    });
    expect(mailer.sent).toHaveLength(0);
  });

  it('routes by the receiving address, so a BCC to support lands in support', async () => {
    const { deliver } = setup();
    const raw =
      'From: a@customer.example.org\r\nTo: someone@else.example\r\nSubject: my invoice\r\nMessage-ID: <b1@customer.example.org>\r\n\r\nrefund?\r\n';
    expect(await deliver('inbound/oops@example.com/o', raw)).toMatchObject({
      outcome: 'created',
      department: 'support',
      ticketId: 'SUP-1001',
    });
  });

  it('keys a mail without Message-ID by its content, ignoring trace headers a retry adds', () => {
    const reader = new MailparserReader();
    return Promise.all([
      reader.read(Buffer.from('Received: from a\r\nFrom: a@x.example\r\nSubject: s\r\n\r\nbody\r\n')),
      reader.read(
        Buffer.from('Received: from b\r\nReceived: from c\r\nFrom: a@x.example\r\nSubject: s\r\n\r\nbody\r\n'),
      ),
    ]).then(([m1, m2]) => {
      expect(dedupeKeyOf(m1, Buffer.from('Received: from a\r\nFrom: a@x.example\r\nSubject: s\r\n\r\nbody\r\n'))).toBe(
        dedupeKeyOf(
          m2,
          Buffer.from('Received: from b\r\nReceived: from c\r\nFrom: a@x.example\r\nSubject: s\r\n\r\nbody\r\n'),
        ),
      );
    });
  });

  it('stops acknowledging a sender after 3 acks in 10 minutes, yet opens and forwards every ticket', async () => {
    const { deliver, mailer, repository } = setup();
    const outcomes = [];
    for (let i = 1; i <= 5; i++) {
      outcomes.push(
        await deliver(
          `inbound/sales@example.com/o${i}`,
          `From: loop@customer.example.org\r\nSubject: quote ${i}\r\nMessage-ID: <l${i}@customer.example.org>\r\n\r\nprice?\r\n`,
        ),
      );
    }
    expect(outcomes.map((o) => o.outcome)).toEqual(['created', 'created', 'created', 'created', 'created']);
    expect(mailer.sent.filter((m) => m.kind === 'ack')).toHaveLength(3);
    expect(mailer.sent.filter((m) => m.kind === 'agent-copy')).toHaveLength(5);
    expect(outcomes[3].reason).toMatch(/no acknowledgement: 3 automatic replies per 10 minutes to this sender/);
    expect((await repository.listMessages('SAL-1004')).map((m) => m.kind)).toEqual([
      'customer',
      'ack-suppressed',
      'agent-copy',
    ]);
  });

  it('quarantines mail SES judged spam: stored, no ack, no forward, until an operator releases it', async () => {
    const { deliver, mailer, repository, quarantine } = setup();
    const spam = `X-SES-Spam-Verdict: FAIL\r\nX-SES-Virus-Verdict: PASS\r\nFrom: win@lottery.example\r\nTo: billing@example.com\r\nSubject: You won\r\nMessage-ID: <s1@lottery.example>\r\n\r\nclaim your prize\r\n`;
    const held = await deliver('inbound/billing@example.com/spam1', spam);
    expect(held).toMatchObject({
      outcome: 'suppressed',
      department: 'billing',
      quarantined: true,
      reason: expect.stringMatching(/^quarantined: SES spam verdict FAIL/),
    });
    expect(mailer.sent).toHaveLength(0);
    expect(repository.tickets.size).toBe(0);
    expect((await quarantine.list()).map((e) => e.key)).toEqual(['inbound/billing@example.com/spam1']);

    // A re-run before release stays held; after release the same object becomes a ticket.
    expect((await deliver('inbound/billing@example.com/spam1', spam)).outcome).toBe('duplicate');
    await quarantine.release('inbound/billing@example.com/spam1', new Date());
    expect(await deliver('inbound/billing@example.com/spam1', spam)).toMatchObject({
      outcome: 'created',
      ticketId: 'BIL-1001',
    });
    expect(mailer.sent.map((m) => m.kind)).toEqual(['ack', 'agent-copy']);
  });

  it('trusts only the verdict SES put on top, not one the sender wrote further down', async () => {
    const { deliver, mailer } = setup();
    const forged = `X-SES-Spam-Verdict: FAIL\r\nFrom: a@b.example\r\nX-SES-Spam-Verdict: PASS\r\nSubject: hi\r\nMessage-ID: <f1@b.example>\r\n\r\nx\r\n`;
    expect((await deliver('inbound/support@example.com/f1', forged)).quarantined).toBe(true);
    expect(mailer.sent).toHaveLength(0);
  });

  it('reads the recipient from the object key', () => {
    expect(recipientOfKey('inbound/billing@example.com/abc')).toEqual({
      kind: 'department',
      address: 'billing@example.com',
    });
    expect(recipientOfKey('replies/abc')).toEqual({ kind: 'reply' });
    expect(recipientOfKey('elsewhere/abc')).toBeUndefined();
  });
});

describe('attachments too large to forward', () => {
  it('forwards the small ones and links the large ones, smallest first within the budget', async () => {
    const { ProcessInboundMail: UseCase } = require('../../functions/usecases/process-inbound-mail');
    const config = { ...exampleConfig(), forwardAttachmentsUpToMb: 1 };
    const store = new MemoryRawMailStore();
    const mailer = new MemoryMailer();
    const kept: string[] = [];
    const useCase = new UseCase({
      config,
      templates: exampleTemplates(),
      store,
      reader: new MailparserReader(),
      repository: new MemoryTicketRepository(),
      ledger: new MemoryDeliveryLedger(),
      mailer,
      timers: new MemoryTimers(),
      secrets: new FixedSecret(),
      limiter: new MemoryAutoReplyLimiter(config.autoReplyLimits),
      quarantine: new MemoryQuarantine(),
      attachments: {
        keep: async (ticketId: string, a: { filename: string; content: Buffer }) => {
          kept.push(`${ticketId}/${a.filename}`);
          return {
            filename: a.filename,
            size: a.content.length,
            url: `https://example.invalid/${a.filename}?X-Amz-Signature=x`,
            expiresAt: '2026-11-30T10:00:00.000Z',
          };
        },
      },
    });
    const big = Buffer.alloc(900 * 1024, 1).toString('base64');
    const small = Buffer.from('small file').toString('base64');
    const raw = [
      'From: a@customer.example.org',
      'To: support@example.com',
      'Subject: logs',
      'Message-ID: <att1@customer.example.org>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'see attached',
      '--b',
      'Content-Type: application/octet-stream; name="big1.bin"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="big1.bin"',
      '',
      big,
      '--b',
      'Content-Type: application/octet-stream; name="big2.bin"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="big2.bin"',
      '',
      big,
      '--b',
      'Content-Type: text/plain; name="small.txt"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="small.txt"',
      '',
      small,
      '--b--',
      '',
    ].join('\r\n');
    store.objects.set('inbound/support@example.com/att', Buffer.from(raw));
    await useCase.execute({ key: 'inbound/support@example.com/att', arrivedAt: new Date('2026-11-23T10:00:00Z') });
    const copy = mailer.sent.find((m) => m.kind === 'agent-copy')!;
    expect(copy.attachments!.map((a) => a.filename)).toEqual(['big1.bin', 'small.txt']);
    expect(kept).toEqual(['SUP-1001/big2.bin']);
    expect(copy.text).toMatch(
      /Too large to attach, download until .*:\n {2}big2\.bin \(921600 bytes\): https:\/\/example\.invalid\/big2\.bin\?X-Amz-Signature=x/,
    );
  });
});
