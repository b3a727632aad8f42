import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { startLocalStack } from '../../lib/local/stack';
import type { OutboxEntry as OutboxLine } from '../../lib/cli/outbox';
import type { PendingTimer } from '../../lib/cli/timers';
import { jsonLines, triage } from '../support/cli';
import { FREE_PORTS, waitFor } from '../support/local-mail';

jest.setTimeout(120_000);

/** One local stack at a time scale, with SMTP and the CLI. */
async function timedStack(timeScale: number) {
  const home = mkdtempSync(join(tmpdir(), 'triage-timers-'));
  const stack = await startLocalStack({ stateDir: home, ports: FREE_PORTS, timeScale, log: () => undefined });
  const smtp: Transporter = nodemailer.createTransport({
    host: '127.0.0.1',
    port: stack.ports.smtp,
    secure: false,
    ignoreTLS: true,
  });
  const cli = async (args: string[]) => {
    const result = await triage(home, args);
    if (result.code !== 0) throw new Error(`triage ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  };
  const outbox = async () => jsonLines<OutboxLine>(await cli(['outbox', '--json']));
  const sentTo = async (address: string) =>
    (await outbox()).filter((m) => m.to.includes(address) || m.cc.includes(address));
  const ticket = async (id: string) => JSON.parse(await cli(['show', id, '--json']));
  const send = async (mail: SendMailOptions) => {
    await smtp.sendMail(mail);
    await stack.whenIdle();
  };
  /** Tom answers the agents' copy of a ticket through its reply address. */
  const answer = async (ticketId: string, text: string) => {
    const copy = (await sentTo('tom@agents.example.com')).find((m) => m.subject.startsWith(`[${ticketId}]`))!;
    await send({
      from: 'Tom <tom@agents.example.com>',
      to: copy.headers['reply-to'],
      subject: `Re: ${copy.subject}`,
      inReplyTo: copy.headers['message-id'],
      text,
    });
  };
  const close = async () => {
    smtp.close();
    await stack.stop();
    rmSync(home, { recursive: true, force: true });
  };
  return { home, stack, cli, outbox, sentTo, ticket, send, answer, close };
}

describe('timers at --time-scale 200000 (days pass in seconds)', () => {
  let env: Awaited<ReturnType<typeof timedStack>>;
  beforeAll(async () => {
    env = await timedStack(200_000);
  });
  afterAll(() => env?.close());

  it('escalates a mail to support@ left unanswered to tara, naming the ticket, and marks it breached', async () => {
    await env.send({
      from: 'Kim <kim@customer.example.org>',
      to: 'support@example.com',
      subject: 'VPN error 809',
      text: 'The VPN fails with error 809 since this morning.',
      messageId: '<kim-1@customer.example.org>',
    });
    const escalation = await waitFor(
      async () => (await env.sentTo('tara@agents.example.com')).find((m) => m.subject.includes('SUP-1001')),
      30_000,
      'the escalation to tara',
    );
    expect(escalation.subject).toMatch(/^\[SUP-1001\] First response overdue/);
    expect(escalation.text).toContain('SUP-1001');
    expect(escalation.headers['auto-submitted']).toBe('auto-generated');
    // the warning to the agents came first
    const warning = (await env.sentTo('tom@agents.example.com')).find((m) => /Response due/.test(m.subject));
    expect(warning).toBeDefined();
    expect(await env.ticket('SUP-1001')).toMatchObject({
      breached: true,
      escalatedAt: expect.any(String),
      status: 'open',
    });
  });

  it('follows up on a ticket tom answered, offering a call back and the chat, then closes it', async () => {
    await env.send({
      from: 'Lou <lou@customer.example.org>',
      to: 'support@example.com',
      subject: 'Printer offline',
      text: 'My printer shows offline.',
      messageId: '<lou-1@customer.example.org>',
    });
    await env.answer('SUP-1002', 'Please restart the print spooler; that fixes it.');
    const followUp = await waitFor(
      async () =>
        (await env.sentTo('lou@customer.example.org')).find((m) => m.subject.startsWith('[SUP-1002] Did this solve')),
      30_000,
      'the follow-up to lou',
    );
    expect(followUp.from).toBe('support@example.com');
    expect(followUp.text).toContain('+1 555 0100');
    expect(followUp.text).toContain('please%20call%20me%20back');
    expect(followUp.text).toContain('https://chat.example.com/support');
    expect(followUp.headers['in-reply-to']).toBe('<lou-1@customer.example.org>');

    const closed = await waitFor(
      async () =>
        jsonLines<{ id: string; status: string; closedBy?: string }>(await env.cli(['tickets', '--json'])).find(
          (t) => t.id === 'SUP-1002' && t.status === 'closed',
        ),
      30_000,
      'SUP-1002 closed',
    );
    expect(closed.closedBy).toBe('timer');
    const note = (await env.sentTo('lou@customer.example.org')).find((m) => m.subject.startsWith('[SUP-1002] Closed'));
    expect(note?.text).toContain('we closed ticket SUP-1002');
  });
});

describe('timers that no longer apply (--time-scale 1000)', () => {
  let env: Awaited<ReturnType<typeof timedStack>>;
  beforeAll(async () => {
    env = await timedStack(1_000);
  });
  afterAll(() => env?.close());

  it('lists pending timers, never sends an escalation once an agent answered, and cancels the follow-up when the customer replies first', async () => {
    await env.send({
      from: 'Max <max@customer.example.org>',
      to: 'support@example.com',
      subject: 'Cannot log in',
      text: 'Login fails with an exception.',
      messageId: '<max-1@customer.example.org>',
    });
    const [pending] = jsonLines<PendingTimer>(await env.cli(['timers', '--json']));
    expect(pending).toMatchObject({
      ticketId: 'SUP-1001',
      step: expect.stringMatching(/^(warn|escalate)$/),
      generation: 0,
      execution: expect.stringMatching(/^SUP-1001-g0-(warn|escalate)$/),
    });
    const due = Date.parse((await env.ticket('SUP-1001')).dueAt);

    await env.answer('SUP-1001', 'Please reset your password with the link on the login page.');
    const waiting = await env.ticket('SUP-1001');
    expect(waiting).toMatchObject({
      status: 'waiting',
      timerGeneration: 1,
      timer: { step: 'follow-up', generation: 1 },
    });
    const [followUp] = jsonLines<PendingTimer>(await env.cli(['timers', '--json']));
    expect(followUp).toMatchObject({ ticketId: 'SUP-1001', step: 'follow-up', execution: 'SUP-1001-g1-follow-up' });

    // The customer writes again before the follow-up: the ticket is open again, the follow-up is stopped.
    await env.send({
      from: 'max@customer.example.org',
      to: 'support@example.com',
      subject: 'Re: [SUP-1001] Cannot log in',
      text: 'The reset link does not arrive.',
      inReplyTo: '<max-1@customer.example.org>',
    });
    expect(await env.ticket('SUP-1001')).toMatchObject({
      status: 'open',
      timerGeneration: 2,
      timer: { generation: 2 },
    });
    const sfn = new SFNClient({
      endpoint: env.stack.endpoints.sfn,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const executionArn = `${env.stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:SUP-1001-g1-follow-up`;
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({ status: 'ABORTED' });
    sfn.destroy();

    // Wait past the first-response due time (scaled): no escalation went out; the stopped follow-up (ABORTED above) never runs.
    await new Promise((r) => setTimeout(r, Math.max(0, (due - Date.now()) / 1_000) + 1_000));
    await env.stack.whenIdle();
    expect(
      (await env.sentTo('tara@agents.example.com')).filter(
        (m) => m.subject.includes('SUP-1001') && /overdue/.test(m.subject),
      ),
    ).toEqual([]);
    expect((await env.sentTo('max@customer.example.org')).filter((m) => /Did this solve/.test(m.subject))).toEqual([]);
  });
});
