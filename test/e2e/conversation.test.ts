import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { startLocalStack, type LocalStack } from '../../lib/local/stack';
import { jsonLines, triage } from '../support/cli';
import { waitFor } from '../support/local-mail';

import type { OutboxEntry as OutboxLine } from '../../lib/cli/outbox';

jest.setTimeout(120_000);

/** A whole conversation over real SMTP: customer, ack, agents' copy, agent answer, relay, customer thanks; then the attacks. */
describe('conversations through the local stack', () => {
  let home: string;
  let stack: LocalStack;
  let smtp: Transporter;
  const outbox = async () => jsonLines<OutboxLine>((await triage(home, ['outbox', '--json'])).stdout);
  const show = async (id: string) => {
    const result = await triage(home, ['show', id, '--json']);
    if (result.code !== 0) throw new Error(`triage show ${id} failed: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };
  const send = async (mail: SendMailOptions) => {
    await smtp.sendMail(mail);
    await stack.whenIdle();
  };
  const sentTo = async (address: string) =>
    (await outbox()).filter((m) => m.to.includes(address) || m.cc.includes(address));

  let agentCopy: OutboxLine;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'triage-conv-'));
    stack = await startLocalStack({
      stateDir: home,
      ports: { smtp: 0, s3: 0, dynamodb: 0, ses: 0, secretsmanager: 0, sfn: 0 },
      log: () => undefined,
    });
    smtp = nodemailer.createTransport({ host: '127.0.0.1', port: stack.ports.smtp, secure: false, ignoreTLS: true });
    await send({
      from: '"Jane Doe" <jane@customer.example.org>',
      to: 'support@example.com',
      cc: 'joe@customer.example.org',
      subject: 'Login broken',
      text: 'I cannot log in since this morning.',
      messageId: '<jane-1@customer.example.org>',
    });
    agentCopy = (await sentTo('tom@agents.example.com'))[0];
  });

  afterAll(async () => {
    smtp?.close();
    await stack?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('relays the agent answer from the department address in the customer thread, and brings the thanks back to the agents', async () => {
    expect(agentCopy.subject).toBe('[SUP-1001] Login broken');
    // Tom answers from his own mail client: to the Reply-To, quoting the copy below his text.
    await send({
      from: 'Tom <tom@agents.example.com>',
      to: agentCopy.headers['reply-to'],
      subject: `Re: ${agentCopy.subject}`,
      inReplyTo: agentCopy.headers['message-id'],
      references: [agentCopy.headers['message-id']],
      text: `Hi Jane, I reset your session; please try again.\n\nTom\n\nOn Mon, 23 Nov 2026, Jane Doe via Technical support <support@example.com> wrote:\n> ${agentCopy.text.split('\n').join('\n> ')}`,
    });
    const relay = (await sentTo('jane@customer.example.org')).find((m) => m.subject.startsWith('Re: [SUP-1001]'))!;
    expect(relay).toBeDefined();
    expect(relay.from).toBe('support@example.com');
    expect(relay.cc).toEqual(['joe@customer.example.org']);
    expect(relay.headers['in-reply-to']).toBe('<jane-1@customer.example.org>');
    expect(relay.headers.references).toContain('<jane-1@customer.example.org>');
    expect(relay.text).toContain('I reset your session');
    expect(relay.text).not.toContain('tom@agents.example.com');
    expect(relay.text).not.toContain('I cannot log in since this morning'); // the quoted history was stripped
    expect(relay.headers['auto-submitted']).toBeUndefined();
    expect(await show('SUP-1001')).toMatchObject({ status: 'waiting', firstResponseAt: expect.any(String) });

    // Jane answers the relay from her mail client.
    const copiesBefore = (await sentTo('tom@agents.example.com')).length;
    await send({
      from: 'jane@customer.example.org',
      to: 'support@example.com',
      subject: `Re: ${relay.subject}`,
      inReplyTo: relay.headers['message-id'],
      references: [relay.headers.references, relay.headers['message-id']].join(' '),
      text: 'Works now, thanks!',
    });
    const copies = await sentTo('tom@agents.example.com');
    expect(copies).toHaveLength(copiesBefore + 1);
    expect(copies.at(-1)!.text).toContain('Works now, thanks!');
    expect(copies.at(-1)!.headers['reply-to']).toBe(agentCopy.headers['reply-to']);
    expect(await show('SUP-1001')).toMatchObject({ status: 'open', customer: 'jane@customer.example.org' });
  });

  it('leaves the customer unreached by a stranger, a failing agent, a bad token and a stolen subject tag, storing each refusal', async () => {
    const reachedJane = async () => (await sentTo('jane@customer.example.org')).length;
    const before = await reachedJane();
    const replyTo = agentCopy.headers['reply-to'];
    await send({
      from: 'mallory@evil.example',
      to: replyTo,
      subject: 'Re: [SUP-1001] Login broken',
      text: 'Stranger text',
    });
    await send({
      from: 'tom@agents.example.com',
      to: replyTo,
      subject: 'Re: [SUP-1001] Login broken',
      text: 'Spoofed agent text',
      headers: { 'X-Triage-Test-Verdicts': 'spf=FAIL; dkim=FAIL; dmarc=FAIL' },
    });
    const badToken = replyTo.replace(
      /\.([a-z2-7]{16})@/,
      (_m: string, t: string) => `.${t.slice(0, -1)}${t.endsWith('a') ? 'b' : 'a'}@`,
    );
    await send({
      from: 'tom@agents.example.com',
      to: badToken,
      subject: 'Re: [SUP-1001] Login broken',
      text: 'Bad token text',
    });
    await send({
      from: 'mallory@evil.example',
      to: 'support@example.com',
      subject: 'Re: [SUP-1001] Login broken',
      text: 'Stolen tag text',
    });
    expect(await reachedJane()).toBe(before);
    for (const text of ['Stranger text', 'Spoofed agent text', 'Bad token text', 'Stolen tag text']) {
      expect(
        (await outbox()).some(
          (m) =>
            m.text.includes(text) &&
            (m.to.includes('jane@customer.example.org') || m.cc.includes('jane@customer.example.org')),
        ),
      ).toBe(false);
    }
    const messages = (await show('SUP-1001')).messages as {
      kind: string;
      from: string;
      refusal?: string;
      text: string;
    }[];
    expect(messages.filter((m) => m.kind === 'refused').map((m) => [m.from, m.refusal])).toEqual([
      ['mallory@evil.example', expect.stringMatching(/neither an agent of support nor a participant/)],
      ['tom@agents.example.com', expect.stringMatching(/failed SES authentication/)],
    ]);
    expect(messages.some((m) => m.text.includes('Stolen tag text'))).toBe(false);
    const linked = jsonLines<{ id: string; customer: string }>((await triage(home, ['tickets', '--json'])).stdout).find(
      (t) => t.customer === 'mallory@evil.example',
    )!;
    expect(await show(linked.id)).toMatchObject({
      linkedTo: 'SUP-1001',
      linkReason: expect.stringMatching(/subject tag \[SUP-1001\]/),
    });
    expect((await sentTo('tom@agents.example.com')).some((m) => m.subject.includes('Not relayed'))).toBe(true); // the failing agent was told
  });

  it('plays agent and customer with `triage reply`, threaded like a mail client', async () => {
    await smtp.sendMail({
      from: 'kim@customer.example.org',
      to: 'sales@example.com',
      subject: 'Quote for 5 seats',
      text: 'Price?',
      messageId: '<kim-1@customer.example.org>',
    });
    await stack.whenIdle();
    const agent = await triage(home, [
      'reply',
      'SAL-1001',
      '--from',
      'sam@agents.example.com',
      '--text',
      'It is 40 EUR per seat.',
      '--json',
    ]);
    expect(agent.code).toBe(0);
    const sentByAgent = JSON.parse(agent.stdout);
    expect(sentByAgent).toMatchObject({
      role: 'agent',
      to: expect.stringMatching(/^sal-1001\.[a-z2-7]{16}@reply\.example\.com$/),
      inReplyTo: expect.stringMatching(/@email\.amazonses\.com>$/),
    });
    await stack.whenIdle();
    const relay = (await sentTo('kim@customer.example.org')).at(-1)!;
    expect(relay).toMatchObject({ from: 'sales@example.com' });
    expect(relay.text).toContain('40 EUR per seat');
    expect(relay.headers['in-reply-to']).toBe('<kim-1@customer.example.org>');

    const customer = await triage(home, [
      'reply',
      'SAL-1001',
      '--from',
      'kim@customer.example.org',
      '--text',
      'Deal, please send the order form.',
      '--json',
    ]);
    expect(JSON.parse(customer.stdout)).toMatchObject({
      role: 'customer',
      to: 'sales@example.com',
      inReplyTo: relay.headers['message-id'],
    });
    await stack.whenIdle();
    expect((await sentTo('sam@agents.example.com')).at(-1)!.text).toContain('Deal, please send the order form.');
    expect(await show('SAL-1001')).toMatchObject({ status: 'open', firstResponseAt: expect.any(String) });
  });

  it('applies commands and keeps #note away from the customer', async () => {
    const replyTo = agentCopy.headers['reply-to'];
    const before = (await sentTo('jane@customer.example.org')).length;
    await send({
      from: 'tom@agents.example.com',
      to: replyTo,
      subject: 'Re: [SUP-1001] Login broken',
      text: '#note\nSession store had a stale lock; fixed in prod.',
    });
    await send({
      from: 'tom@agents.example.com',
      to: replyTo,
      subject: 'Re: [SUP-1001] Login broken',
      text: '#priority high\n#assign tom\n#pending',
    });
    expect((await sentTo('jane@customer.example.org')).length).toBe(before);
    expect(
      (await outbox()).some((m) => m.text.includes('stale lock') && m.to.includes('tara@agents.example.com')),
    ).toBe(true);
    expect(
      (await outbox()).some(
        (m) =>
          m.text.includes('stale lock') &&
          (m.to.includes('jane@customer.example.org') || m.cc.includes('joe@customer.example.org')),
      ),
    ).toBe(false);
    expect(await show('SUP-1001')).toMatchObject({
      priority: 'high',
      assignee: 'tom@agents.example.com',
      status: 'pending',
    });
    await send({
      from: 'tom@agents.example.com',
      to: replyTo,
      subject: 'Re: [SUP-1001] Login broken',
      text: '#close\nClosing this, glad it works.',
    });
    expect(await show('SUP-1001')).toMatchObject({ status: 'closed' });
    const toJane = await sentTo('jane@customer.example.org');
    expect(
      toJane.find((m) => m.subject.startsWith('Re: [SUP-1001]') && m.text.includes('glad it works')),
    ).toBeDefined();
    // an agent's #close asks the customer the one survey question (the timer's `survey` step, due at once)
    await waitFor(
      async () =>
        (await sentTo('jane@customer.example.org')).find((m) => m.subject.startsWith('[SUP-1001] One question')),
      10_000,
      'the survey mail',
    );
  });
});
