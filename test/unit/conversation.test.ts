import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAgentCommands } from '../../functions/domain/commands';
import { replyAddress } from '../../functions/domain/reply-token';
import { FIXTURES } from '../support/fixtures';
import { FixedSecret } from '../support/in-memory';
import { inboundHarness } from '../support/inbound';

const KEY = 'k'.repeat(64);
const PASS =
  'Authentication-Results: amazonses.com; spf=pass smtp.mailfrom=agents.example.com; dkim=pass header.i=@agents.example.com; dmarc=pass header.from=agents.example.com;\r\n';
const FAIL =
  'Authentication-Results: amazonses.com; spf=fail smtp.mailfrom=agents.example.com; dkim=fail; dmarc=fail;\r\n';

function setup() {
  let clock = new Date('2026-11-23T10:15:03Z');
  const { repository, mailer, deliver } = inboundHarness({
    secrets: new FixedSecret(KEY),
    now: () => clock,
    arrivedAt: () => new Date(clock.getTime() - 1000),
  });
  let n = 0;
  const reply = (raw: string) => deliver(`replies/r${++n}`, raw);
  const toDept = (address: string, raw: string) => deliver(`inbound/${address}/m${++n}`, raw);
  const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));
  return { repository, mailer, deliver, reply, toDept, advance };
}

/** Opens BIL-1001 from jane, with joe in CC; returns what was sent. */
async function openTicket(env: ReturnType<typeof setup>) {
  await env.deliver('inbound/help@example.com/first', readFileSync(join(FIXTURES, 'refund-to-help.eml')));
  const [ack, copy] = env.mailer.sent;
  return { ack, copy, replyTo: replyAddress(KEY, 'BIL-1001', 'reply.example.com') };
}

const agentReply = (to: string, text: string, { from = 'ana@agents.example.com', auth = PASS, id = 'a1' } = {}) =>
  `${auth}From: Ana <${from}>\r\nTo: ${to}\r\nSubject: Re: [BIL-1001] Refund for my last invoice\r\nMessage-ID: <${id}@agents.example.com>\r\nIn-Reply-To: <0100-2@email.amazonses.com>\r\n\r\n${text}\r\n`;

describe('conversations', () => {
  it('relays an agent reply to the customer and the CC participant from the department address, threaded, quotes stripped', async () => {
    const env = setup();
    const { replyTo } = await openTicket(env);
    const outcome = await env.reply(
      agentReply(
        replyTo,
        'Hello Jane,\r\n\r\nthe refund is on its way.\r\n\r\nAna\r\n\r\nOn Mon, 23 Nov 2026 at 10:15, Example Corp Billing <billing@example.com> wrote:\r\n> Ticket BIL-1001 ...\r\n> I was charged twice\r\n',
      ),
    );
    expect(outcome).toMatchObject({ outcome: 'relayed', ticketId: 'BIL-1001' });
    const relay = env.mailer.sent.at(-1)!;
    expect(relay).toMatchObject({
      kind: 'relay',
      from: { address: 'billing@example.com' },
      to: ['jane.doe@customer.example.org'],
      cc: ['joe@customer.example.org'],
      inReplyTo: '<CAF1234.refund@customer.example.org>',
    });
    expect(relay.subject).toBe('Re: [BIL-1001] Refund for my last invoice');
    expect(relay.text).toContain('the refund is on its way.');
    expect(relay.text).not.toContain('I was charged twice');
    expect(relay.text).not.toContain('ana@agents.example.com');
    expect(relay.headers['Auto-Submitted']).toBeUndefined();
    const ticket = env.repository.tickets.get('BIL-1001')!;
    expect(ticket.status).toBe('waiting');
    expect(ticket.firstResponseAt).toEqual(expect.any(String));
  });

  it('appends the customer writing again, forwards it to the agents and reopens the ticket', async () => {
    const env = setup();
    const { replyTo } = await openTicket(env);
    await env.reply(agentReply(replyTo, 'Refund sent.'));
    const relayId = '<0100-3@email.amazonses.com>'; // what SES returned for the relay
    const outcome = await env.toDept(
      'billing@example.com',
      `From: jane.doe@customer.example.org\r\nTo: billing@example.com\r\nSubject: Re: [BIL-1001] Refund for my last invoice\r\nMessage-ID: <c2@customer.example.org>\r\nIn-Reply-To: ${relayId}\r\n\r\nThanks, got it!\r\n`,
    );
    expect(outcome).toMatchObject({ outcome: 'appended', ticketId: 'BIL-1001' });
    const copy = env.mailer.sent.at(-1)!;
    expect(copy).toMatchObject({
      kind: 'agent-copy',
      to: ['ana@agents.example.com', 'ben@agents.example.com'],
      replyTo,
    });
    expect(copy.text).toContain('Thanks, got it!');
    expect(env.repository.tickets.get('BIL-1001')).toMatchObject({
      status: 'open',
      lastCustomerMessageId: '<c2@customer.example.org>',
      customer: 'jane.doe@customer.example.org',
    });
    expect(env.mailer.sent.filter((m) => m.kind === 'ack')).toHaveLength(1); // no second ack for a follow-up
  });

  it('never lets a CC participant become the customer', async () => {
    const env = setup();
    await openTicket(env);
    expect(
      await env.toDept(
        'billing@example.com',
        `From: joe@customer.example.org\r\nSubject: Re: [BIL-1001] Refund\r\nMessage-ID: <j1@customer.example.org>\r\nIn-Reply-To: <CAF1234.refund@customer.example.org>\r\n\r\nMe too\r\n`,
      ),
    ).toMatchObject({ outcome: 'appended' });
    expect(env.repository.tickets.get('BIL-1001')!.customer).toBe('jane.doe@customer.example.org');
  });

  it('refuses a stranger writing to the reply address, storing the refusal, reaching nobody', async () => {
    const env = setup();
    const { replyTo } = await openTicket(env);
    const before = env.mailer.sent.length;
    const outcome = await env.reply(
      `${PASS}From: mallory@evil.example\r\nTo: ${replyTo}\r\nSubject: Re: [BIL-1001]\r\nMessage-ID: <m1@evil.example>\r\n\r\nSend the refund to my account instead.\r\n`,
    );
    expect(outcome).toMatchObject({
      outcome: 'rejected',
      ticketId: 'BIL-1001',
      reason: expect.stringMatching(/mallory@evil\.example is neither an agent of billing nor a participant/),
    });
    expect(env.mailer.sent.length).toBe(before);
    const refused = (await env.repository.listMessages('BIL-1001')).find((m) => m.kind === 'refused')!;
    expect(refused).toMatchObject({
      from: 'mallory@evil.example',
      internal: true,
      refusal: expect.stringMatching(/neither an agent/),
    });
  });

  it('refuses a bad token', async () => {
    const env = setup();
    const { replyTo } = await openTicket(env);
    const forged = replyTo.replace(/\.([a-z2-7])/, (_, c) => `.${c === 'a' ? 'b' : 'a'}`);
    const before = env.mailer.sent.length;
    expect(await env.reply(agentReply(forged, 'Hello'))).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(/does not carry a valid token/),
    });
    expect(env.mailer.sent.length).toBe(before);
  });

  it('refuses a configured agent whose mail fails SES authentication, and tells the agent', async () => {
    const env = setup();
    const { replyTo } = await openTicket(env);
    expect(await env.reply(agentReply(replyTo, 'Refund approved.', { auth: FAIL }))).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(/failed SES authentication/),
    });
    const notice = env.mailer.sent.at(-1)!;
    expect(notice).toMatchObject({ kind: 'refusal-notice', to: ['ana@agents.example.com'] });
    expect(notice.headers['Auto-Submitted']).toBe('auto-replied');
    expect(env.mailer.sent.some((m) => m.to.includes('jane.doe@customer.example.org') && m.kind === 'relay')).toBe(
      false,
    );
  });

  it('opens a new linked ticket when a stranger uses the subject tag, never touching the original', async () => {
    const env = setup();
    await openTicket(env);
    const outcome = await env.toDept(
      'billing@example.com',
      `From: mallory@evil.example\r\nSubject: Re: [BIL-1001] Refund for my last invoice\r\nMessage-ID: <m2@evil.example>\r\n\r\nPlease refund to IBAN XX.\r\n`,
    );
    expect(outcome).toMatchObject({
      outcome: 'created',
      ticketId: 'BIL-1002',
      reason: expect.stringMatching(
        /new ticket linked to BIL-1001: mallory@evil\.example used the subject tag \[BIL-1001\] but is not a participant/,
      ),
    });
    expect(env.repository.tickets.get('BIL-1002')).toMatchObject({
      customer: 'mallory@evil.example',
      linkedTo: 'BIL-1001',
    });
    expect((await env.repository.listMessages('BIL-1001')).some((m) => m.from === 'mallory@evil.example')).toBe(false);
    expect(env.mailer.sent.filter((m) => m.to.includes('jane.doe@customer.example.org'))).toHaveLength(1); // only her own ack
  });

  it('lets the customer join with the subject tag alone (a client that dropped In-Reply-To)', async () => {
    const env = setup();
    await openTicket(env);
    expect(
      await env.toDept(
        'billing@example.com',
        `From: jane.doe@customer.example.org\r\nSubject: [BIL-1001] one more thing\r\nMessage-ID: <c3@customer.example.org>\r\n\r\nAlso invoice 115.\r\n`,
      ),
    ).toMatchObject({ outcome: 'appended', ticketId: 'BIL-1001' });
  });

  it('applies commands, and combines them with a reply', async () => {
    const env = setup();
    const { replyTo } = await openTicket(env);
    expect(await env.reply(agentReply(replyTo, '#assign ben\r\n#priority high\r\n\r\nWe are on it.'))).toMatchObject({
      outcome: 'relayed',
    });
    expect(env.repository.tickets.get('BIL-1001')).toMatchObject({
      assignee: 'ben@agents.example.com',
      priority: 'high',
      status: 'waiting',
    });
    expect(env.mailer.sent.at(-1)!.text).toMatch(/^We are on it\./);
    expect(await env.reply(agentReply(replyTo, '#close', { id: 'a2' }))).toMatchObject({
      outcome: 'appended',
      reason: expect.stringMatching(/commands #close/),
    });
    expect(env.repository.tickets.get('BIL-1001')).toMatchObject({ status: 'closed', closedAt: expect.any(String) });
  });

  it('keeps #note internal: copied to the other agents, never to the customer', async () => {
    const env = setup();
    const { replyTo } = await openTicket(env);
    const before = env.mailer.sent.length;
    expect(
      await env.reply(agentReply(replyTo, '#note\r\nCustomer was double charged by the PSP bug, see INC-7.')),
    ).toMatchObject({ outcome: 'appended' });
    const sent = env.mailer.sent.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ kind: 'note', to: ['ben@agents.example.com', 'lena@agents.example.com'] });
    expect(sent[0].text).toContain('PSP bug');
    expect(
      env.mailer.sent.some((m) => m.to.includes('jane.doe@customer.example.org') && m.text.includes('PSP bug')),
    ).toBe(false);
    expect(env.repository.tickets.get('BIL-1001')!.firstResponseAt).toBeUndefined();
  });

  it('answers an unknown command with the list of valid ones and relays nothing', async () => {
    const env = setup();
    const { replyTo } = await openTicket(env);
    expect(await env.reply(agentReply(replyTo, '#solve\r\nDone!'))).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(/#solve: unknown command/),
    });
    const notice = env.mailer.sent.at(-1)!;
    expect(notice).toMatchObject({ kind: 'command-error', to: ['ana@agents.example.com'] });
    expect(notice.text).toContain('#priority low|normal|high|urgent');
    expect(env.mailer.sent.some((m) => m.kind === 'relay')).toBe(false);
    expect(env.repository.tickets.get('BIL-1001')!.status).toBe('open');
  });

  it('reopens a closed ticket within the configured days, and opens a linked one after', async () => {
    const env = setup();
    const { replyTo } = await openTicket(env);
    await env.reply(agentReply(replyTo, '#close\r\nAll done.'));
    env.advance(2 * 86_400_000);
    expect(
      await env.toDept(
        'billing@example.com',
        `From: jane.doe@customer.example.org\r\nSubject: Re: [BIL-1001] x\r\nMessage-ID: <c4@customer.example.org>\r\n\r\nNot done\r\n`,
      ),
    ).toMatchObject({ outcome: 'appended', reason: expect.stringMatching(/reopened/) });
    await env.reply(agentReply(replyTo, '#close', { id: 'a9' }));
    env.advance(30 * 86_400_000);
    expect(
      await env.toDept(
        'billing@example.com',
        `From: jane.doe@customer.example.org\r\nSubject: Re: [BIL-1001] x\r\nMessage-ID: <c5@customer.example.org>\r\n\r\nAgain\r\n`,
      ),
    ).toMatchObject({
      outcome: 'created',
      ticketId: 'BIL-1002',
      reason: expect.stringMatching(/closed more than 14 days ago/),
    });
  });

  it('stores an out-of-office answer to our relay on the ticket without answering or forwarding', async () => {
    const env = setup();
    const { replyTo } = await openTicket(env);
    await env.reply(agentReply(replyTo, 'Done.'));
    const before = env.mailer.sent.length;
    expect(
      await env.toDept(
        'billing@example.com',
        `From: jane.doe@customer.example.org\r\nAuto-Submitted: auto-replied\r\nSubject: Automatic reply: [BIL-1001]\r\nMessage-ID: <ooo@customer.example.org>\r\nIn-Reply-To: <0100-3@email.amazonses.com>\r\n\r\nAway\r\n`,
      ),
    ).toMatchObject({ outcome: 'suppressed', ticketId: 'BIL-1001' });
    expect(env.mailer.sent.length).toBe(before);
  });
});

describe('machine mail and threading', () => {
  it('does not let an auto-reply from a stranger into a ticket by its subject tag', async () => {
    const env = setup();
    await openTicket(env);
    const outcome = await env.toDept(
      'billing@example.com',
      `From: bot@elsewhere.example\r\nAuto-Submitted: auto-replied\r\nSubject: Automatic reply: [BIL-1001] We have your message\r\nMessage-ID: <x@elsewhere.example>\r\n\r\nAway\r\n`,
    );
    expect(outcome).toMatchObject({ outcome: 'suppressed' });
    expect(outcome.ticketId).toBeUndefined();
    expect((await env.repository.listMessages('BIL-1001')).some((m) => m.from === 'bot@elsewhere.example')).toBe(false);
  });

  it('notes a bounce of our mail on its ticket (it references our Message-ID)', async () => {
    const env = setup();
    await openTicket(env);
    const outcome = await env.toDept(
      'billing@example.com',
      `From: MAILER-DAEMON@mx.customer.example.org\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <b@mx.customer.example.org>\r\nReferences: <0100-1@email.amazonses.com>\r\n\r\nmailbox full\r\n`,
    );
    expect(outcome).toMatchObject({ outcome: 'suppressed', ticketId: 'BIL-1001' });
    expect((await env.repository.listMessages('BIL-1001')).find((m) => m.kind === 'machine')).toMatchObject({
      internal: true,
      suppressed: { signal: 'machine-subject' },
    });
  });
});

describe('parseAgentCommands', () => {
  const agents = (n: string) => (['ben', 'ben@agents.example.com'].includes(n) ? 'ben@agents.example.com' : undefined);
  it('reads commands from the top and leaves the rest as the reply', () => {
    expect(
      parseAgentCommands('\n#pending\n#dept sales\nText\n#not a command here', agents, ['billing', 'sales']),
    ).toEqual({
      commands: [
        { name: 'status', status: 'pending', line: '#pending' },
        { name: 'dept', department: 'sales', line: '#dept sales' },
      ],
      body: 'Text\n#not a command here',
      errors: [],
    });
  });
  it('reports bad arguments', () => {
    expect(parseAgentCommands('#assign nobody\n#priority extreme\n#dept hr', agents, ['billing']).errors).toEqual([
      '#assign nobody: expected the name or address of a configured agent',
      '#priority extreme: expected one of low, normal, high, urgent',
      '#dept hr: expected one of billing',
    ]);
  });
  it('takes the rest of a #note line as the start of the note', () => {
    expect(parseAgentCommands('#note call him back\nafter 5', agents, [])).toMatchObject({
      body: 'call him back\nafter 5',
    });
  });
});
