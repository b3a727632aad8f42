import { departmentByName, type Department } from '../../functions/domain/config';
import { replyAddress } from '../../functions/domain/reply-token';
import { verifyLinkToken } from '../../functions/domain/signed-link';
import type { Ticket } from '../../functions/domain/ticket';
import { awaitingResponsePlan, retime, waitingPlan, whyNotDue } from '../../functions/domain/timers';
import { addBusinessDays } from '../../functions/domain/turnaround';
import { RunTicketTimer } from '../../functions/usecases/run-ticket-timer';
import { exampleConfig, exampleTemplates } from '../support/fixtures';
import { FixedSecret } from '../support/in-memory';
import { inboundHarness } from '../support/inbound';
import { aTicket } from '../support/tickets';

const config = exampleConfig();
const support = departmentByName(config, 'support')!; // New York, Mon-Fri 08-20, Sat 10-14, 4 h target, margin 1 h
const billing = departmentByName(config, 'billing')!; // London, Mon-Fri 09:00-17:30, 8 h target
const KEY = 'k'.repeat(64);
const PASS =
  'Authentication-Results: amazonses.com; spf=pass smtp.mailfrom=agents.example.com; dkim=pass header.i=@agents.example.com; dmarc=pass header.from=agents.example.com;\r\n';

describe('business days', () => {
  it('lands on the opening of the n-th business day: Friday + 1 is Monday morning', () => {
    // Friday 20 November 2026, 15:00 London -> Monday 23 November, 09:00 London
    expect(addBusinessDays(new Date('2026-11-20T15:00:00Z'), 1, billing.businessHours).toISOString()).toBe(
      '2026-11-23T09:00:00.000Z',
    );
  });

  it('skips holidays and counts Saturdays with opening hours (support opens Saturday 10:00 in New York)', () => {
    // Wednesday 25 November + 1: Thursday 26 is Thanksgiving (holiday) -> Friday 27, 08:00 New York (13:00 UTC)
    expect(addBusinessDays(new Date('2026-11-25T18:00:00Z'), 1, support.businessHours).toISOString()).toBe(
      '2026-11-27T13:00:00.000Z',
    );
    // Friday 27 + 1 -> Saturday 28, 10:00 New York (15:00 UTC)
    expect(addBusinessDays(new Date('2026-11-27T18:00:00Z'), 1, support.businessHours).toISOString()).toBe(
      '2026-11-28T15:00:00.000Z',
    );
  });

  it('keeps the local opening time across a daylight-saving change', () => {
    // Friday 30 October 2026 in New York (EDT, UTC-4) + 1 -> Saturday 31 October 10:00 EDT; + 2 -> Monday 2 November 08:00 EST (UTC-5)
    expect(addBusinessDays(new Date('2026-10-30T16:00:00Z'), 1, support.businessHours).toISOString()).toBe(
      '2026-10-31T14:00:00.000Z',
    );
    expect(addBusinessDays(new Date('2026-10-30T16:00:00Z'), 2, support.businessHours).toISOString()).toBe(
      '2026-11-02T13:00:00.000Z',
    );
  });
});

function ticket(overrides: Partial<Ticket> = {}): Ticket {
  const customer = 'kim@customer.example.org';
  return aTicket({
    id: 'SUP-1001',
    department: 'support',
    customer,
    customerName: 'Kim',
    participants: [customer],
    subject: 'Login broken',
    createdAt: '2026-11-23T14:00:00.000Z',
    dueAt: '2026-11-23T18:00:00.000Z',
    messageIds: ['<k1@customer.example.org>'],
    timerGeneration: 0,
    ...overrides,
  });
}

describe('timer plans', () => {
  it('warns at the configured share of the target, then escalates at the target', () => {
    // Monday 09:00 New York + 3 business hours (75 % of 4)
    const since = new Date('2026-11-23T14:00:00Z');
    expect(awaitingResponsePlan(support, 0, since, new Date('2026-11-23T18:00:00Z'))).toEqual({
      generation: 0,
      step: 'warn',
      at: '2026-11-23T17:00:00.000Z',
    });
    const noWarning: Department = { ...support, timers: { ...support.timers, warnAtShare: 0 } };
    expect(awaitingResponsePlan(noWarning, 0, since, new Date('2026-11-23T18:00:00Z'))).toEqual({
      generation: 0,
      step: 'escalate',
      at: '2026-11-23T18:00:00.000Z',
    });
  });

  it('follows up after the configured business days, or auto-closes straight away without a follow-up, or plans nothing', () => {
    const since = new Date('2026-11-23T15:00:00Z'); // Monday
    expect(waitingPlan(support, 3, since)).toEqual({
      generation: 3,
      step: 'follow-up',
      at: '2026-11-25T13:00:00.000Z',
    }); // Wednesday 08:00
    expect(
      waitingPlan({ ...support, timers: { ...support.timers, followUpAfterBusinessDays: 0 } }, 3, since),
    ).toMatchObject({ step: 'auto-close' });
    expect(
      waitingPlan(
        { ...support, timers: { ...support.timers, followUpAfterBusinessDays: 0, autoCloseAfterBusinessDays: 0 } },
        3,
        since,
      ),
    ).toBeUndefined();
  });

  it('moves the timers when an agent answers, when the customer writes on an answered ticket, and on close', () => {
    const now = new Date('2026-11-23T15:00:00Z');
    const open = ticket({ timer: { generation: 0, step: 'warn', at: '2026-11-23T17:00:00.000Z' } });
    const answered = retime(open, { ...open, status: 'waiting', firstResponseAt: now.toISOString() }, support, now, {
      answered: true,
    });
    expect(answered).toMatchObject({
      timerGeneration: 1,
      waitingSince: now.toISOString(),
      timer: { generation: 1, step: 'follow-up' },
    });

    const later = new Date('2026-11-24T15:00:00Z');
    const reopened = retime(answered, { ...answered, status: 'open' }, support, later);
    expect(reopened).toMatchObject({
      timerGeneration: 2,
      responseDueAt: '2026-11-24T19:00:00.000Z',
      promisedAt: '2026-11-24T20:00:00.000Z',
      timer: { generation: 2, step: 'warn' },
    });
    expect(reopened.dueAt).toBe(open.dueAt); // the first-response target stays what it was

    expect(retime(reopened, { ...reopened, status: 'closed' }, support, later, { closedByAgent: true })).toMatchObject({
      timerGeneration: 3,
      closedBy: 'agent',
      timer: { step: 'survey', at: later.toISOString() },
    });
    expect(retime(reopened, { ...reopened, status: 'pending' }, support, later)).toMatchObject({
      timerGeneration: 3,
      timer: undefined,
    });
  });

  it('leaves the timers alone when the customer writes twice before anyone answered', () => {
    const open = ticket({ timer: { generation: 0, step: 'warn', at: '2026-11-23T17:00:00.000Z' } });
    expect(
      retime(open, { ...open, messageIds: [...open.messageIds, '<k2@x>'] }, support, new Date('2026-11-23T15:00:00Z')),
    ).toMatchObject({ timerGeneration: 0, timer: open.timer });
  });

  it('lets a step act only in its own generation and on the state it waited for', () => {
    expect(whyNotDue(ticket(), 'escalate', 0)).toBeUndefined();
    expect(whyNotDue(ticket({ timerGeneration: 1 }), 'escalate', 0)).toMatch(/superseded/);
    expect(whyNotDue(ticket({ status: 'waiting' }), 'escalate', 0)).toMatch(/waiting/);
    expect(whyNotDue(ticket({ status: 'closed' }), 'follow-up', 0)).toMatch(/closed/);
    expect(whyNotDue(undefined, 'warn', 0)).toMatch(/does not exist/);
  });
});

/** The inbound use case and the timer use case on one in-memory store, with a clock the test moves. */
function setup() {
  let clock = new Date('2026-11-23T14:00:00Z'); // Monday 09:00 in New York
  const now = () => clock;
  const { repository, ledger, mailer, timers, deliver } = inboundHarness({
    secrets: new FixedSecret(KEY),
    now,
    arrivedAt: now,
  });
  const timer = new RunTicketTimer({
    config,
    templates: exampleTemplates(),
    repository,
    ledger,
    mailer,
    secrets: new FixedSecret(KEY),
    scheduler: timers,
    webBaseUrl: 'https://web.example/',
    now,
  });
  let n = 0;
  /** Runs the ticket's pending step as Step Functions would: at its time, with its generation. */
  const fire = async (ticketId: string, expectStep?: string) => {
    const plan = repository.tickets.get(ticketId)!.timer!;
    if (expectStep) expect(plan.step).toBe(expectStep);
    clock = new Date(plan.at);
    return timer.execute({ ticketId, generation: plan.generation, step: plan.step });
  };
  const customerMail = (from: string, subject: string, text: string, id: string, extra = '') =>
    deliver(
      `inbound/support@example.com/m${++n}`,
      `${PASS}From: Kim <${from}>\r\nTo: support@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${id}@customer.example.org>\r\nDate: Mon, 23 Nov 2026 09:00:00 -0500\r\n${extra}\r\n${text}\r\n`,
    );
  const agentMail = (text: string, id = `a${++n}`) =>
    deliver(
      `replies/r${++n}`,
      `${PASS}From: Tom <tom@agents.example.com>\r\nTo: ${replyAddress(KEY, 'SUP-1001', 'reply.example.com')}\r\nSubject: Re: [SUP-1001] Login broken\r\nMessage-ID: <${id}@agents.example.com>\r\n\r\n${text}\r\n`,
    );
  const at = (iso: string) => (clock = new Date(iso));
  return { repository, mailer, timers, timer, fire, customerMail, agentMail, at };
}

describe('the ticket timer', () => {
  it('warns the agents, then escalates an unanswered ticket to the lead and marks it breached', async () => {
    const env = setup();
    await env.customerMail('kim@customer.example.org', 'Login broken', 'I cannot log in since this morning.', 'k1');
    const created = env.repository.tickets.get('SUP-1001')!;
    expect(created).toMatchObject({
      dueAt: '2026-11-23T18:00:00.000Z',
      promisedAt: '2026-11-23T19:00:00.000Z',
      timer: { generation: 0, step: 'warn', at: '2026-11-23T17:00:00.000Z' },
    });
    expect(env.mailer.sent[0].text).toContain('Monday 23 November 2026, 14:00 (America/New_York)'); // the ack promises target + margin

    expect(await env.fire('SUP-1001', 'warn')).toMatchObject({
      acted: true,
      sent: true,
      next: { step: 'escalate', at: '2026-11-23T18:00:00.000Z' },
    });
    const warning = env.mailer.sent.at(-1)!;
    expect(warning).toMatchObject({
      kind: 'due-warning',
      to: ['tom@agents.example.com'],
      subject: expect.stringContaining('[SUP-1001]'),
    });
    expect(env.timers.of('SUP-1001').map((p) => p.step)).toEqual(['warn', 'escalate']);

    expect(await env.fire('SUP-1001', 'escalate')).toMatchObject({ acted: true, sent: true });
    const escalation = env.mailer.sent.at(-1)!;
    expect(escalation).toMatchObject({ kind: 'escalation', to: ['tara@agents.example.com'] });
    expect(escalation.text).toContain('SUP-1001');
    expect(env.repository.tickets.get('SUP-1001')).toMatchObject({
      breached: true,
      escalatedAt: '2026-11-23T18:00:00.000Z',
      timer: undefined,
    });
  });

  it('sends an escalation that is no longer due never: the agent answered before the target', async () => {
    const env = setup();
    await env.customerMail('kim@customer.example.org', 'Login broken', 'I cannot log in.', 'k1');
    const escalation = { ...env.repository.tickets.get('SUP-1001')!.timer!, step: 'escalate' as const };
    env.at('2026-11-23T15:00:00Z');
    await env.agentMail('Please clear your cookies and try again.');
    const sent = env.mailer.sent.length;
    expect(
      await env.timer.execute({ ticketId: 'SUP-1001', generation: escalation.generation, step: 'escalate' }),
    ).toMatchObject({ acted: false, reason: expect.stringMatching(/superseded/) });
    expect(env.mailer.sent).toHaveLength(sent);
    expect(env.repository.tickets.get('SUP-1001')!.breached).toBeUndefined();
    expect(env.timers.cancelled).toEqual(['SUP-1001-g0-warn']);
  });

  it('follows up on an answered ticket offering a call back and a chat, then closes it with a note and the survey', async () => {
    const env = setup();
    await env.customerMail('kim@customer.example.org', 'Login broken', 'I cannot log in.', 'k1');
    env.at('2026-11-23T15:00:00Z');
    await env.agentMail('Please clear your cookies and try again.');
    expect(env.repository.tickets.get('SUP-1001')).toMatchObject({
      status: 'waiting',
      timerGeneration: 1,
      timer: { step: 'follow-up', at: '2026-11-25T13:00:00.000Z' },
    });

    expect(await env.fire('SUP-1001', 'follow-up')).toMatchObject({
      acted: true,
      sent: true,
      next: { step: 'auto-close' },
    });
    const followUp = env.mailer.sent.at(-1)!;
    expect(followUp).toMatchObject({
      kind: 'follow-up',
      to: ['kim@customer.example.org'],
      from: { address: 'support@example.com' },
      inReplyTo: '<k1@customer.example.org>',
    });
    expect(followUp.text).toContain('Did the answer solve your problem?');
    expect(followUp.text).toContain('+1 555 0100');
    expect(followUp.text).toContain(
      'mailto:support@example.com?subject=%5BSUP-1001%5D%20Login%20broken%20-%20please%20call%20me%20back',
    );
    expect(followUp.text).toContain('https://chat.example.com/support');
    expect(followUp.text).not.toContain('Premium support'); // Kim did not opt in to offers
    expect(followUp.headers['Auto-Submitted']).toBe('auto-generated');

    expect(await env.fire('SUP-1001', 'auto-close')).toMatchObject({ acted: true, sent: true });
    const closing = env.mailer.sent.at(-1)!;
    expect(closing.kind).toBe('closing');
    expect(closing.text).toContain('we closed ticket SUP-1001');
    const good = /https:\/\/web\.example\/survey\/(\S+)\?choice=good/.exec(closing.text)!;
    expect(verifyLinkToken(KEY, decodeURIComponent(good[1]), 'survey', new Date())).toMatchObject({
      ticketId: 'SUP-1001',
    });
    expect(closing.text).toMatch(/\?choice=okay/);
    expect(closing.text).toMatch(/\?choice=bad/);
    expect(env.repository.tickets.get('SUP-1001')).toMatchObject({
      status: 'closed',
      closedBy: 'timer',
      timer: undefined,
    });
  });

  it("follows up and closes in the customer's language", async () => {
    const env = setup();
    await env.customerMail(
      'kim@customer.example.org',
      'Anmeldung funktioniert nicht',
      'Guten Tag, seit heute Morgen kann ich mich nicht mehr anmelden. Können Sie mir bitte helfen?',
      'k1',
    );
    expect(env.repository.tickets.get('SUP-1001')!.language).toBe('de');
    env.at('2026-11-23T15:00:00Z');
    await env.agentMail('Bitte löschen Sie die Cookies und versuchen Sie es erneut.');
    await env.fire('SUP-1001', 'follow-up');
    expect(env.mailer.sent.at(-1)!.subject).toBe('[SUP-1001] Hat das Ihr Problem gelöst? Anmeldung funktioniert nicht');
    expect(env.mailer.sent.at(-1)!.text).toContain('Lieber sprechen? Rufen Sie uns an unter +1 555 0100');
    await env.fire('SUP-1001', 'auto-close');
    expect(env.mailer.sent.at(-1)!.text).toContain('Haben wir Ihr Problem gelöst?');
  });

  it('shows the offers block only to customers who opted in', async () => {
    const env = setup();
    await env.customerMail('lee@bigcustomer.example.org', 'Login broken', 'I cannot log in.', 'l1');
    env.at('2026-11-23T15:00:00Z');
    await env.agentMail('Please clear your cookies.');
    await env.fire('SUP-1001', 'follow-up');
    expect(env.mailer.sent.at(-1)!.text).toContain('Premium support answers within one business hour');
  });

  it('cancels the follow-up when the customer replies first, and starts a new response timer', async () => {
    const env = setup();
    await env.customerMail('kim@customer.example.org', 'Login broken', 'I cannot log in.', 'k1');
    env.at('2026-11-23T15:00:00Z');
    await env.agentMail('Please clear your cookies and try again.');
    const followUp = env.repository.tickets.get('SUP-1001')!.timer!;
    env.at('2026-11-24T14:00:00Z');
    await env.customerMail(
      'kim@customer.example.org',
      'Re: [SUP-1001] Login broken',
      'Still broken, sorry.',
      'k2',
      'In-Reply-To: <k1@customer.example.org>\r\n',
    );
    const t = env.repository.tickets.get('SUP-1001')!;
    expect(t).toMatchObject({
      status: 'open',
      timerGeneration: 2,
      responseDueAt: '2026-11-24T18:00:00.000Z',
      timer: { generation: 2, step: 'warn' },
    });
    expect(env.timers.cancelled).toContain('SUP-1001-g1-follow-up');
    const sent = env.mailer.sent.length;
    expect(
      await env.timer.execute({ ticketId: 'SUP-1001', generation: followUp.generation, step: 'follow-up' }),
    ).toMatchObject({ acted: false });
    expect(env.mailer.sent).toHaveLength(sent);
  });

  it('sends the survey after an agent closes the ticket, and nothing for a ticket closed meanwhile by the customer writing again', async () => {
    const env = setup();
    await env.customerMail('kim@customer.example.org', 'Login broken', 'I cannot log in.', 'k1');
    env.at('2026-11-23T15:00:00Z');
    await env.agentMail('#close\r\nFixed on our side, you can log in again.');
    expect(env.repository.tickets.get('SUP-1001')).toMatchObject({
      status: 'closed',
      closedBy: 'agent',
      timer: { step: 'survey' },
    });
    expect(await env.fire('SUP-1001', 'survey')).toMatchObject({ acted: true, sent: true });
    expect(env.mailer.sent.at(-1)).toMatchObject({ kind: 'survey', to: ['kim@customer.example.org'] });
    expect(env.mailer.sent.at(-1)!.text).toContain('https://web.example/survey/SUP-1001.survey.');
  });

  it("sends a retried step's mail once", async () => {
    const env = setup();
    await env.customerMail('kim@customer.example.org', 'Login broken', 'I cannot log in.', 'k1');
    const plan = env.repository.tickets.get('SUP-1001')!.timer!;
    env.at(plan.at);
    await env.timer.execute({ ticketId: 'SUP-1001', generation: 0, step: 'warn' });
    await env.timer.execute({ ticketId: 'SUP-1001', generation: 0, step: 'warn' });
    expect(env.mailer.sent.filter((m) => m.kind === 'due-warning')).toHaveLength(1);
  });

  it('never starts a timer for machine mail', async () => {
    const env = setup();
    expect(
      await env.customerMail(
        'kim@customer.example.org',
        'Out of office',
        'I am away.',
        'o1',
        'Auto-Submitted: auto-replied\r\n',
      ),
    ).toMatchObject({ outcome: 'suppressed' });
    expect(env.timers.scheduled.size).toBe(0);
  });

  it('records a step that failed after its retries as an internal entry on the ticket', async () => {
    const env = setup();
    await env.customerMail('kim@customer.example.org', 'Login broken', 'I cannot log in.', 'k1');
    expect(
      await env.timer.recordFailure({
        ticketId: 'SUP-1001',
        generation: 0,
        step: 'warn',
        error: 'Error',
        cause: 'SES throttled',
      }),
    ).toEqual({ ticketId: 'SUP-1001', recorded: true });
    const entry = (await env.repository.listMessages('SUP-1001')).find((m) => m.kind === 'timer-failure')!;
    expect(entry).toMatchObject({ internal: true, text: 'Error: SES throttled' });
  });
});
