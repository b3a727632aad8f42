/**
 * SES bounce and complaint feedback: reading the notifications, the suppression policy, the use case
 * that records them, and the SuppressingMailer that keeps mail away from suppressed addresses
 * (together with the inbound use case: a suppressed customer gets no acknowledgement).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SuppressingMailer } from '../../functions/adapters/suppressing-mailer';
import type { OutgoingMail } from '../../functions/domain/outgoing';
import {
  deliveredMessageIdCandidates,
  feedbackAction,
  parseSesNotification,
  TRANSIENT_BOUNCE_POLICY,
} from '../../functions/domain/ses-feedback';
import type { Ticket } from '../../functions/domain/ticket';
import { RecordSesFeedback } from '../../functions/usecases/record-ses-feedback';
import { exampleConfig, FIXTURES } from '../support/fixtures';
import { MemoryMailer, MemoryRawMailStore, MemorySuppressionList, MemoryTicketRepository } from '../support/in-memory';
import { inboundUseCase } from '../support/inbound';
import { aTicket } from '../support/tickets';

const SES_ID = '0100019ab2c3d4e5-3f2b1c0d-aaaa-bbbb-cccc-1234567890ab-000000';

/** The JSON SES event publishing writes for a bounce (as documented), with our own headers in `mail.headers`. */
function bounceEvent(
  overrides: {
    bounceType?: string;
    bounceSubType?: string;
    recipients?: string[];
    feedbackId?: string;
    timestamp?: string;
    sesMessageId?: string;
    ticket?: string;
    sourceArn?: string;
  } = {},
) {
  return {
    eventType: 'Bounce',
    bounce: {
      bounceType: overrides.bounceType ?? 'Permanent',
      bounceSubType: overrides.bounceSubType ?? 'General',
      bouncedRecipients: (overrides.recipients ?? ['Jane.Doe@customer.example.org']).map((emailAddress) => ({
        emailAddress,
        action: 'failed',
        status: '5.1.1',
        diagnosticCode: 'smtp; 550 5.1.1 user unknown',
      })),
      timestamp: overrides.timestamp ?? '2026-11-23T10:16:00.000Z',
      feedbackId: overrides.feedbackId ?? '0100019ab2c3d4e6-feedback-000000',
      reportingMTA: 'dsn; a8-70.smtp-out.amazonses.com',
    },
    mail: {
      timestamp: '2026-11-23T10:15:04.000Z',
      source: 'Example Corp Billing <billing@example.com>',
      sourceArn: overrides.sourceArn ?? 'arn:aws:ses:us-east-1:123456789012:identity/example.com',
      sendingAccountId: '123456789012',
      messageId: overrides.sesMessageId ?? SES_ID,
      destination: overrides.recipients ?? ['jane.doe@customer.example.org'],
      headersTruncated: false,
      headers: [
        { name: 'From', value: 'Example Corp Billing <billing@example.com>' },
        { name: 'Subject', value: '[BIL-1001] We have your message: Refund' },
        ...(overrides.ticket ? [{ name: 'X-Triage-Ticket', value: overrides.ticket }] : []),
      ],
      commonHeaders: {
        from: ['Example Corp Billing <billing@example.com>'],
        subject: '[BIL-1001] We have your message: Refund',
      },
      tags: { 'ses:configuration-set': ['EmailTriage-ConfigSet'] },
    },
  };
}

function complaintEvent(type = 'abuse') {
  const { mail } = bounceEvent();
  return {
    eventType: 'Complaint',
    complaint: {
      complainedRecipients: [{ emailAddress: 'jane.doe@customer.example.org' }],
      timestamp: '2026-11-23T11:00:00.000Z',
      feedbackId: 'complaint-1',
      complaintFeedbackType: type,
      userAgent: 'Yahoo!-Mail-Feedback/2.0',
    },
    mail,
  };
}

describe('parseSesNotification', () => {
  it('reads a permanent bounce of event publishing: recipients lower-cased, region, subject and our ticket header', () => {
    const parsed = parseSesNotification(
      JSON.stringify(
        bounceEvent({ ticket: 'BIL-1001', sourceArn: 'arn:aws:ses:eu-west-1:123456789012:identity/example.com' }),
      ),
    );
    expect(parsed).toEqual({
      feedback: expect.objectContaining({
        kind: 'bounce',
        type: 'Permanent',
        subType: 'General',
        sesMessageId: SES_ID,
        region: 'eu-west-1',
        source: 'billing@example.com',
        recipients: [
          { address: 'jane.doe@customer.example.org', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' },
        ],
        subject: '[BIL-1001] We have your message: Refund',
        ticketHeader: 'BIL-1001',
        at: '2026-11-23T10:16:00.000Z',
      }),
    });
  });

  it('reads complaints, and the identity-notification shape (notificationType) as well', () => {
    expect(parseSesNotification(JSON.stringify(complaintEvent()))).toEqual({
      feedback: expect.objectContaining({ kind: 'complaint', type: 'abuse', feedbackId: 'complaint-1' }),
    });
    const { eventType, ...rest } = bounceEvent();
    expect(parseSesNotification(JSON.stringify({ notificationType: eventType, ...rest }))).toEqual({
      feedback: expect.objectContaining({ kind: 'bounce' }),
    });
  });

  it('ignores, with a reason, what is not a bounce or complaint: deliveries, non-JSON, JSON of another kind, empty recipient lists', () => {
    expect(parseSesNotification(JSON.stringify({ eventType: 'Delivery', mail: { messageId: SES_ID } }))).toEqual({
      ignored: expect.stringMatching(/Delivery/),
    });
    expect(parseSesNotification('Successfully validated SNS topic for Amazon SES event publishing.')).toEqual({
      ignored: expect.stringMatching(/not JSON/),
    });
    expect(parseSesNotification('{"Type":"SubscriptionConfirmation"}')).toEqual({
      ignored: expect.stringMatching(/not an SES notification/),
    });
    expect(parseSesNotification(JSON.stringify(bounceEvent({ recipients: [] })))).toEqual({
      ignored: expect.stringMatching(/without bounced recipients/),
    });
  });
});

describe('the suppression policy', () => {
  it.each([
    [{ kind: 'bounce', type: 'Permanent', subType: 'General' }, 'suppress'],
    [{ kind: 'bounce', type: 'Permanent', subType: 'OnAccountSuppressionList' }, 'suppress'],
    [{ kind: 'complaint', type: 'abuse' }, 'suppress'],
    [{ kind: 'complaint', type: 'not-spam' }, 'note'],
    [{ kind: 'bounce', type: 'Transient', subType: 'MailboxFull' }, 'count'],
    [{ kind: 'bounce', type: 'Undetermined' }, 'count'],
    [{ kind: 'bounce', type: 'Transient', subType: 'MessageTooLarge' }, 'note'],
    [{ kind: 'bounce', type: 'Transient', subType: 'AttachmentRejected' }, 'note'],
  ] as const)('%j -> %s', (feedback, action) => {
    expect(feedbackAction(feedback)).toBe(action);
  });

  it('knows the Message-ID domains SES gives sent mail', () => {
    expect(deliveredMessageIdCandidates('abc', 'us-east-1')).toEqual(['<abc@email.amazonses.com>']);
    expect(deliveredMessageIdCandidates('abc', 'eu-west-1')).toEqual([
      '<abc@eu-west-1.amazonses.com>',
      '<abc@email.amazonses.com>',
    ]);
  });
});

function ticket(id = 'BIL-1001'): Ticket {
  const customer = 'jane.doe@customer.example.org';
  return aTicket({
    id,
    customer,
    participants: [customer],
    createdAt: '2026-11-23T10:15:02.000Z',
    dueAt: '2026-11-24T09:45:02.000Z',
  });
}

describe('RecordSesFeedback', () => {
  async function setup(region = 'us-east-1') {
    const repository = new MemoryTicketRepository();
    const suppressions = new MemorySuppressionList();
    await repository.createTicket(ticket());
    // what the inbound function recorded when it sent the ack: the Message-ID SES gave it, indexed
    await repository.indexMessageId(`<${SES_ID}@email.amazonses.com>`, 'BIL-1001');
    await repository.addMessage({
      ticketId: 'BIL-1001',
      direction: 'out',
      kind: 'ack',
      at: '2026-11-23T10:15:04.000Z',
      from: 'billing@example.com',
      to: ['jane.doe@customer.example.org'],
      cc: [],
      subject: 's',
      text: 't',
      textTruncated: false,
      messageId: `<${SES_ID}@email.amazonses.com>`,
      attachments: [],
    });
    const useCase = new RecordSesFeedback({ suppressions, repository, region });
    const run = (event: unknown) => useCase.execute(JSON.stringify(event));
    return { repository, suppressions, run };
  }

  it('suppresses a permanently bounced address and notes the bounce of our ack on its ticket', async () => {
    const { repository, suppressions, run } = await setup();
    const outcome = await run(bounceEvent());
    expect(outcome).toMatchObject({
      outcome: 'recorded',
      kind: 'bounce',
      ticketId: 'BIL-1001',
      recipients: [{ address: 'jane.doe@customer.example.org', action: 'suppressed' }],
    });
    expect(suppressions.entries.get('jane.doe@customer.example.org')).toMatchObject({
      reason: 'bounce',
      since: '2026-11-23T10:16:00.000Z',
      detail: expect.stringMatching(/Permanent bounce \(General\): 5\.1\.1: smtp; 550 5\.1\.1 user unknown/),
    });
    expect(suppressions.entries.get('jane.doe@customer.example.org')!.until).toBeUndefined();
    const note = (await repository.listMessages('BIL-1001')).find((m) => m.kind === 'bounce')!;
    expect(note).toMatchObject({
      direction: 'in',
      at: '2026-11-23T10:16:00.000Z',
      to: ['jane.doe@customer.example.org'],
      messageId: '<0100019ab2c3d4e6-feedback-000000@feedback.amazonses.com>',
    });
    expect(note.text).toMatch(
      /^Permanent bounce \(General\) of our acknowledgement: jane\.doe@customer\.example\.org 5\.1\.1/,
    );
    expect(note.text).toMatch(/is suppressed: nothing more is sent to it until an operator lifts it/);
  });

  it('writes the same ticket note again when SNS delivers the notification twice (same key: at, kind, Message-ID)', async () => {
    const { repository, run } = await setup();
    await run(bounceEvent());
    await run(bounceEvent());
    const notes = (await repository.listMessages('BIL-1001')).filter((m) => m.kind === 'bounce');
    expect(notes).toHaveLength(2);
    expect(notes[1]).toEqual(notes[0]);
  });

  it(`counts transient bounces and suppresses for ${TRANSIENT_BOUNCE_POLICY.suppressDays} days at the ${TRANSIENT_BOUNCE_POLICY.bounces}rd within ${TRANSIENT_BOUNCE_POLICY.windowDays} days; a redelivered notification counts once`, async () => {
    const { suppressions, run } = await setup();
    const soft = (n: number, day: number) =>
      bounceEvent({
        bounceType: 'Transient',
        bounceSubType: 'MailboxFull',
        feedbackId: `soft-${n}`,
        timestamp: `2026-11-${String(day).padStart(2, '0')}T10:00:00.000Z`,
      });
    expect(await run(soft(1, 10))).toMatchObject({ recipients: [{ action: 'counted', transientBounces: 1 }] });
    expect(await run(soft(1, 10))).toMatchObject({ recipients: [{ action: 'counted', transientBounces: 1 }] });
    // day 20: the bounce of day 10 is out of the 7-day window
    expect(await run(soft(2, 20))).toMatchObject({ recipients: [{ action: 'counted', transientBounces: 1 }] });
    expect(await run(soft(3, 21))).toMatchObject({ recipients: [{ action: 'counted', transientBounces: 2 }] });
    expect(suppressions.entries.size).toBe(0);
    expect(await run(soft(4, 22))).toMatchObject({
      recipients: [{ action: 'suppressed', transientBounces: 3, until: '2026-11-29T10:00:00.000Z' }],
    });
    expect(await suppressions.find(['jane.doe@customer.example.org'], new Date('2026-11-28T10:00:00Z'))).toHaveLength(
      1,
    );
    expect(await suppressions.find(['jane.doe@customer.example.org'], new Date('2026-11-29T10:00:01Z'))).toHaveLength(
      0,
    );
  });

  it('never shortens a permanent suppression with a later soft one', async () => {
    const { suppressions, run } = await setup();
    await run(bounceEvent());
    for (let n = 1; n <= 3; n++)
      await run(
        bounceEvent({ bounceType: 'Transient', feedbackId: `soft-${n}`, timestamp: `2026-11-23T1${n}:00:00.000Z` }),
      );
    expect(suppressions.entries.get('jane.doe@customer.example.org')).toMatchObject({ reason: 'bounce' });
    expect(suppressions.entries.get('jane.doe@customer.example.org')!.until).toBeUndefined();
  });

  it('suppresses a complaint, but only notes a "not-spam" report and a bounce about the message size', async () => {
    const { suppressions, repository, run } = await setup();
    expect(await run(complaintEvent('not-spam'))).toMatchObject({ recipients: [{ action: 'noted' }] });
    expect(
      await run(bounceEvent({ bounceType: 'Transient', bounceSubType: 'MessageTooLarge', feedbackId: 'big' })),
    ).toMatchObject({ recipients: [{ action: 'noted' }] });
    expect(suppressions.entries.size).toBe(0);
    expect(await run(complaintEvent())).toMatchObject({
      kind: 'complaint',
      ticketId: 'BIL-1001',
      recipients: [{ action: 'suppressed' }],
    });
    expect(suppressions.entries.get('jane.doe@customer.example.org')).toMatchObject({ reason: 'complaint' });
    expect((await repository.listMessages('BIL-1001')).map((m) => m.kind)).toEqual([
      'ack',
      'complaint',
      'bounce',
      'complaint',
    ]);
  });

  it('finds the ticket by the regional Message-ID, by our X-Triage-Ticket header, or not at all (and suppresses anyway)', async () => {
    const { repository, suppressions, run } = await setup('eu-west-1');
    await repository.indexMessageId('<other@eu-west-1.amazonses.com>', 'BIL-1001');
    expect(
      await run(bounceEvent({ sesMessageId: 'other', sourceArn: 'arn:aws:ses:eu-west-1:1:identity/example.com' })),
    ).toMatchObject({ ticketId: 'BIL-1001' });
    expect(await run(bounceEvent({ sesMessageId: 'unknown', ticket: 'BIL-1001', feedbackId: 'f2' }))).toMatchObject({
      ticketId: 'BIL-1001',
    });
    const lost = await run(
      bounceEvent({
        sesMessageId: 'unknown',
        ticket: 'BIL-9999',
        feedbackId: 'f3',
        recipients: ['gone@customer.example.org'],
      }),
    );
    expect(lost).toMatchObject({
      outcome: 'recorded',
      ticketId: undefined,
      reason: expect.stringMatching(/no ticket knows this mail/),
    });
    expect(suppressions.entries.has('gone@customer.example.org')).toBe(true);
  });

  it('ignores what is not feedback without touching anything', async () => {
    const { suppressions, repository, run } = await setup();
    expect(await run({ eventType: 'Send', mail: { messageId: SES_ID } })).toMatchObject({ outcome: 'ignored' });
    expect(suppressions.entries.size).toBe(0);
    expect(await repository.listMessages('BIL-1001')).toHaveLength(1);
  });
});

function mail(to: string[], cc?: string[]): OutgoingMail {
  return {
    kind: 'agent-copy',
    ticketId: 'BIL-1001',
    from: { address: 'billing@example.com', name: 'Billing' },
    to,
    cc,
    subject: 's',
    text: 't',
    messageId: '<proposed.1@example.com>',
    headers: {},
  };
}

describe('SuppressingMailer', () => {
  const now = () => new Date('2026-11-23T12:00:00Z');
  async function setup() {
    const inner = new MemoryMailer();
    const list = new MemorySuppressionList();
    await list.suppress({
      address: 'ben@agents.example.com',
      reason: 'bounce',
      detail: 'gone',
      since: '2026-11-01T00:00:00Z',
    });
    await list.suppress({
      address: 'full@customer.example.org',
      reason: 'transient-bounces',
      detail: 'full',
      since: '2026-11-01T00:00:00Z',
      until: '2026-11-08T00:00:00Z',
    });
    return { inner, list, mailer: new SuppressingMailer(inner, list, now) };
  }

  it('sends unchanged when nobody is suppressed (an expired soft suppression no longer counts)', async () => {
    const { inner, mailer } = await setup();
    const sent = await mailer.send(mail(['ana@agents.example.com', 'FULL@customer.example.org']));
    expect(sent.suppressed).toBeUndefined();
    expect(inner.sent[0].to).toEqual(['ana@agents.example.com', 'FULL@customer.example.org']);
  });

  it('takes suppressed recipients off (any case, To and Cc) and says which', async () => {
    const { inner, mailer } = await setup();
    const sent = await mailer.send(
      mail(['ana@agents.example.com', 'Ben@Agents.Example.com'], ['ben@agents.example.com', 'cc@customer.example.org']),
    );
    expect(inner.sent[0]).toMatchObject({ to: ['ana@agents.example.com'], cc: ['cc@customer.example.org'] });
    expect(sent).toMatchObject({
      sesMessageId: '0100-1',
      suppressed: ['Ben@Agents.Example.com', 'ben@agents.example.com'],
    });
  });

  it('does not call SES at all when every recipient is suppressed', async () => {
    const { inner, mailer } = await setup();
    const sent = await mailer.send(mail(['ben@agents.example.com']));
    expect(inner.sent).toHaveLength(0);
    expect(sent).toEqual({
      sesMessageId: '',
      deliveredMessageId: '<proposed.1@example.com>',
      suppressed: ['ben@agents.example.com'],
    });
  });

  it('fails the send when the list cannot be read: mail never goes to an address that was not checked', async () => {
    const { inner, list, mailer } = await setup();
    list.failNext = 1;
    await expect(mailer.send(mail(['ana@agents.example.com']))).rejects.toMatchObject({
      name: 'ProvisionedThroughputExceededException',
    });
    expect(inner.sent).toHaveLength(0);
  });
});

describe('a suppressed customer writing again', () => {
  it('gets a ticket and the agents get their copy, but no acknowledgement goes out', async () => {
    const config = exampleConfig();
    const store = new MemoryRawMailStore();
    const repository = new MemoryTicketRepository();
    const inner = new MemoryMailer();
    const list = new MemorySuppressionList();
    await list.suppress({
      address: 'jane.doe@customer.example.org',
      reason: 'complaint',
      detail: 'abuse',
      since: '2026-11-01T00:00:00Z',
    });
    const useCase = inboundUseCase({
      config,
      store,
      repository,
      mailer: new SuppressingMailer(inner, list),
    });
    store.objects.set('inbound/help@example.com/obj1', readFileSync(join(FIXTURES, 'refund-to-help.eml')));
    const outcome = await useCase.execute({
      key: 'inbound/help@example.com/obj1',
      arrivedAt: new Date('2026-11-23T10:15:02Z'),
    });
    expect(outcome).toMatchObject({ outcome: 'created', ticketId: 'BIL-1001' });
    const recipients = inner.sent.flatMap((m) => [...m.to, ...(m.cc ?? [])]);
    expect(recipients).not.toContain('jane.doe@customer.example.org');
    expect(inner.sent.map((m) => m.kind)).toEqual(['agent-copy']);
  });
});
