import { isStatusRequest } from '../../functions/domain/status-request';
import { inboundHarness } from '../support/inbound';

/** A mail as SES stores it: authentication results first (PASS unless told otherwise). */
function mail(opts: {
  from: string;
  to: string;
  subject: string;
  id: string;
  auth?: 'pass' | 'fail';
  extra?: string;
}): string {
  const auth = opts.auth ?? 'pass';
  const domain = opts.from.replace(/.*@/, '').replace(/>$/, '');
  return [
    `Authentication-Results: amazonses.com; spf=${auth} (spfCheck: test) client-ip=192.0.2.1; envelope-from=${domain}; dkim=${auth} header.i=@${domain}; dmarc=${auth} header.from=${domain};`,
    `From: ${opts.from}`,
    `To: ${opts.to}`,
    `Subject: ${opts.subject}`,
    `Message-ID: <${opts.id}@${domain}>`,
    'Date: Mon, 23 Nov 2026 10:00:00 +0000',
    ...(opts.extra ? [opts.extra] : []),
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Body of ${opts.id}.`,
    '',
  ].join('\r\n');
}

function setup() {
  const { repository, mailer, customers, deliverTo } = inboundHarness();
  const deliver = (to: string, raw: string, key?: string) => deliverTo(to, raw, key);
  const replies = () => mailer.sent.filter((m) => m.kind === 'status-reply');
  return { repository, mailer, customers, deliver, replies };
}

describe('isStatusRequest', () => {
  it.each(['status', 'Status', ' STATUS ', 'Re: status', 'RE: Re: Status', 'AW: status', 'Re[2]: status'])(
    '"%s" asks for the status',
    (subject) => {
      expect(isStatusRequest(subject)).toBe(true);
    },
  );
  it.each(['status of my order 1234', 'Fwd: status', 'statuses', 'my status', '', 'Status?', '[BIL-1001] status'])(
    '"%s" is a question for a person',
    (subject) => {
      expect(isStatusRequest(subject)).toBe(false);
    },
  );
});

describe('status mail', () => {
  async function twoCustomers() {
    const s = setup();
    await s.deliver(
      'billing@example.com',
      mail({ from: 'Jane <jane@customer.example.org>', to: 'billing@example.com', subject: 'Refund please', id: 'j1' }),
    );
    await s.deliver(
      'support@example.com',
      mail({ from: 'Jane <jane@customer.example.org>', to: 'support@example.com', subject: 'Login broken', id: 'j2' }),
    );
    await s.deliver(
      'sales@example.com',
      mail({
        from: 'Joe <joe@other.example.net>',
        to: 'sales@example.com',
        subject: 'Price of the pro plan',
        id: 'o1',
      }),
    );
    return s;
  }

  it("answers with the sender's open tickets only, and opens no ticket", async () => {
    const { deliver, repository, replies } = await twoCustomers();
    const outcome = await deliver(
      'billing@example.com',
      mail({ from: 'Jane <JANE@customer.example.org>', to: 'billing@example.com', subject: 'Status', id: 'j3' }),
    );
    expect(outcome).toMatchObject({
      outcome: 'answered',
      reason: 'status request: 2 open ticket(s): BIL-1001, SUP-1001; no ticket opened',
    });
    expect(outcome.ticketId).toBeUndefined();
    expect([...repository.tickets.keys()].sort()).toEqual(['BIL-1001', 'SAL-1001', 'SUP-1001']);

    const [reply] = replies();
    expect(reply).toMatchObject({
      to: ['jane@customer.example.org'],
      from: { address: 'billing@example.com' },
      inReplyTo: '<j3@customer.example.org>',
      subject: 'Your open tickets with Example Corp: 2',
    });
    expect(reply.headers['Auto-Submitted']).toBe('auto-replied');
    expect(reply.text).toContain('[BIL-1001] Refund please');
    expect(reply.text).toContain('[SUP-1001] Login broken');
    expect(reply.text).toContain('department: Technical support');
    expect(reply.text).toContain('status:     open, not answered yet');
    // the promise in the ticket's own department zone (support: New York, 4 business hours from 05:15 EST -> 12:00 EST, plus the 1-hour margin)
    expect(reply.text).toContain('answer:     by Monday 23 November 2026, 13:00 (America/New_York)');
    expect(reply.text).not.toContain('SAL-1001');
    expect(reply.text).not.toContain('Price of the pro plan');
    // nothing about a status answer lands on a ticket
    expect((await repository.listMessages('BIL-1001')).map((m) => m.kind)).toEqual(['customer', 'ack', 'agent-copy']);

    await deliver(
      'help@example.com',
      mail({ from: 'joe@other.example.net', to: 'help@example.com', subject: 're: status', id: 'o2' }),
    );
    const joe = replies()[1];
    expect(joe).toMatchObject({ to: ['joe@other.example.net'], from: { address: 'help@example.com' } });
    expect(joe.text).toContain('[SAL-1001] Price of the pro plan');
    expect(joe.text).not.toMatch(/BIL-1001|SUP-1001|Refund|Login/);
  });

  it('leaves out closed tickets and says when nothing is open', async () => {
    const { deliver, repository, replies } = await twoCustomers();
    await repository.updateTicketStatus('SAL-1001', 'closed', new Date());
    await deliver(
      'sales@example.com',
      mail({ from: 'joe@other.example.net', to: 'sales@example.com', subject: 'status', id: 'o2' }),
    );
    expect(replies()[0].subject).toBe('Your open tickets with Example Corp: 0');
    expect(replies()[0].text).toContain('You have no open tickets with us.');
    expect(replies()[0].text).not.toContain('SAL-1001');
  });

  it('includes the tickets of merged addresses', async () => {
    const { deliver, customers, replies } = await twoCustomers();
    await deliver(
      'billing@example.com',
      mail({ from: 'jane.private@mail.example.com', to: 'billing@example.com', subject: 'VAT number', id: 'p1' }),
    );
    await customers.merge('jane@customer.example.org', 'jane.private@mail.example.com', new Date());
    await deliver(
      'billing@example.com',
      mail({ from: 'jane.private@mail.example.com', to: 'billing@example.com', subject: 'status', id: 'p2' }),
    );
    const text = replies()[0].text;
    expect(replies()[0].to).toEqual(['jane.private@mail.example.com']);
    for (const id of ['BIL-1001', 'SUP-1001', 'BIL-1002']) expect(text).toContain(`[${id}]`);
    expect(text).not.toContain('SAL-1001');
  });

  it('tells an unauthenticated sender nothing', async () => {
    const { deliver, repository, mailer } = await twoCustomers();
    const before = mailer.sent.length;
    const outcome = await deliver(
      'billing@example.com',
      mail({
        from: 'jane@customer.example.org',
        to: 'billing@example.com',
        subject: 'status',
        id: 'forged',
        auth: 'fail',
      }),
    );
    expect(outcome).toMatchObject({ outcome: 'rejected' });
    expect(outcome.reason).toMatch(/did not pass authentication/);
    expect(mailer.sent).toHaveLength(before);
    expect(repository.tickets.size).toBe(3);
  });

  it('never answers machine mail', async () => {
    const { deliver, mailer } = await twoCustomers();
    const before = mailer.sent.length;
    const outcome = await deliver(
      'billing@example.com',
      mail({
        from: 'jane@customer.example.org',
        to: 'billing@example.com',
        subject: 'status',
        id: 'ooo',
        extra: 'Auto-Submitted: auto-replied',
      }),
    );
    expect(outcome.outcome).toBe('suppressed');
    expect(mailer.sent).toHaveLength(before);
  });

  it('answers once per mail, and within the auto-reply limits', async () => {
    const { deliver, replies } = await twoCustomers();
    const request = mail({ from: 'jane@customer.example.org', to: 'billing@example.com', subject: 'status', id: 's1' });
    expect((await deliver('billing@example.com', request, 'inbound/billing@example.com/a')).outcome).toBe('answered');
    expect((await deliver('billing@example.com', request, 'inbound/billing@example.com/b')).outcome).toBe('duplicate');
    expect(replies()).toHaveLength(1);
    // Jane already had 2 acks in this window (limit: 3 per 10 minutes): one more answer, then silence.
    const outcomes = [];
    for (const id of ['s2', 's3'])
      outcomes.push(
        await deliver(
          'billing@example.com',
          mail({ from: 'jane@customer.example.org', to: 'billing@example.com', subject: 'status', id }),
        ),
      );
    expect(replies()).toHaveLength(1);
    expect(outcomes.map((o) => o.reason)).toEqual([
      expect.stringMatching(/not answered: 3 automatic replies per 10 minutes/),
      expect.stringMatching(/not answered: 3 automatic replies per 10 minutes/),
    ]);
  });
});

describe("status mail in the customer's language", () => {
  it("answers in the language of the customer's latest ticket, with the promise in that language", async () => {
    const { repository, deliver, replies } = setup();
    await deliver(
      'support@example.com',
      mail({
        from: 'Jana <jana@kunde.example.de>',
        to: 'support@example.com',
        subject: 'Anmeldung klappt nicht',
        id: 'de1',
      }),
    );
    // the generated body says nothing in German: set the language as detection would have
    const ticket = repository.tickets.get('SUP-1001')!;
    repository.tickets.set('SUP-1001', { ...ticket, language: 'de' });
    await deliver(
      'support@example.com',
      mail({ from: 'Jana <jana@kunde.example.de>', to: 'support@example.com', subject: 'status', id: 'de2' }),
    );
    const [reply] = replies();
    expect(reply.subject).toBe('Ihre offenen Tickets bei Example Corp: 1');
    expect(reply.text).toContain('Stand:      offen, noch nicht beantwortet');
    expect(reply.text).toMatch(/Antwort: {4}bis Montag, 23\. November 2026 um \d\d:\d\d \(America\/New_York\)/);
  });
});
