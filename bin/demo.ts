/**
 * `npm run demo`: one whole scripted conversation through a local stack of its own (a temporary
 * state directory, free ports), printed as it happens: the customer's mail, our acknowledgement,
 * the agents' copy, the agent's answer from a mail client, the relay to the customer, and the
 * customer's thanks back to the agents. Nothing is mocked: real SMTP in, the real handlers, the
 * SES emulator's outbox out.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { DynamoTicketRepository } from '../functions/adapters/dynamo-ticket-repository';
import { composeReply, sendReply, type ReplyContext } from '../lib/cli/reply';
import { startLocalStack } from '../lib/local';
import type { OutboxEntry } from '../lib/local';

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);

function showMail(
  title: string,
  m: { from: string; to: string[]; subject: string; headers: Record<string, string>; text: string },
) {
  console.log(`\n${bold(title)}`);
  const headers = m.headers;
  console.log(dim(`  From: ${m.from}\n  To: ${m.to.join(', ')}\n  Subject: ${m.subject}`));
  for (const name of ['reply-to', 'in-reply-to', 'references', 'auto-submitted'])
    if (headers[name]) console.log(dim(`  ${name}: ${headers[name]}`));
  console.log(
    m.text
      .trim()
      .split('\n')
      .slice(0, 10)
      .map((l: string) => `  | ${l}`)
      .join('\n'),
  );
}

async function main() {
  const home = mkdtempSync(join(tmpdir(), 'triage-demo-'));
  const stack = await startLocalStack({
    stateDir: home,
    ports: { smtp: 0, s3: 0, dynamodb: 0, ses: 0, secretsmanager: 0, sfn: 0 },
    log: () => undefined,
  });
  const smtp = nodemailer.createTransport({
    host: '127.0.0.1',
    port: stack.ports.smtp,
    secure: false,
    ignoreTLS: true,
  });
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const repository = new DynamoTicketRepository(
    DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: stack.region, endpoint: stack.endpoints.dynamodb, credentials }),
    ),
    stack.tableName,
    stack.config.departments.map((d) => d.name),
  );
  const secrets = new SecretsManagerClient({
    region: stack.region,
    endpoint: stack.endpoints.secretsmanager,
    credentials,
  });
  const ctx: ReplyContext = {
    repository,
    config: stack.config,
    replyTokenKey: async () =>
      (await secrets.send(new GetSecretValueCommand({ SecretId: stack.replyTokenSecretId }))).SecretString!,
    smtp: { host: '127.0.0.1', port: stack.ports.smtp },
  };
  const sent: OutboxEntry[] = [];
  stack.events.on('sent', (entry) => sent.push(entry));
  const newMail = async () => {
    await stack.whenIdle();
    return sent.splice(0);
  };

  try {
    console.log(bold('Email triage demo: one conversation through the local stack'));
    console.log(dim(`(state in ${home}; SMTP on 127.0.0.1:${stack.ports.smtp})`));

    console.log(`\n${bold('1. Jane writes to billing@example.com')}: "I was charged twice for invoice 2026-114."`);
    await smtp.sendMail({
      from: '"Jane Doe" <jane@customer.example.org>',
      to: 'billing@example.com',
      subject: 'Charged twice',
      text: 'Hello,\n\nI was charged twice for invoice 2026-114. Could you refund one of the payments?\n\nJane',
      messageId: '<demo-1@customer.example.org>',
    });
    const [ack, copy] = await newMail();
    const tickets = await repository.listTickets();
    const ticket = tickets[0];
    console.log(dim(`   -> ticket ${ticket.id} in ${ticket.department}, first response due ${ticket.dueAt}`));
    showMail('2. The acknowledgement Jane receives', await describe(ack));
    showMail('3. The copy the billing agents (ana@, ben@) receive', await describe(copy));

    console.log(
      `\n${bold('4. Ana answers from her mail client')} (to the per-ticket Reply-To; her client quotes the copy below)`,
    );
    const answer = await composeReply(
      ctx,
      ticket.id,
      'ana@agents.example.com',
      'Hi Jane,\n\nsorry about that: the second payment is refunded and will show in 3-5 days.\n\nAna',
    );
    await sendReply(ctx, answer);
    const [relay] = await newMail();
    showMail("5. The relay Jane receives: from billing@, in her thread, Ana's address hidden", await describe(relay));

    console.log(`\n${bold('6. Jane says thanks')} (replying to the relay, to billing@example.com)`);
    const thanks = await composeReply(ctx, ticket.id, 'jane@customer.example.org', 'Great, thank you!');
    await sendReply(ctx, thanks);
    const [back] = await newMail();
    showMail('7. The agents get her answer, with the same Reply-To', await describe(back));

    const final = (await repository.getTicket(ticket.id))!;
    console.log(`\n${bold('Ticket now')}: ${final.id} ${final.status}, first response at ${final.firstResponseAt}`);
    console.log(
      dim('Try it yourself: `npm start`, then swaks or any mail client to 127.0.0.1:2525, and `npx triage outbox`.'),
    );
  } finally {
    smtp.close();
    await stack.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

/** The outbox entry with its parsed headers and text. */
async function describe(entry: OutboxEntry | undefined) {
  if (!entry) throw new Error('expected a mail in the outbox, found none');
  const parsed = await simpleParser(readFileSync(entry.emlFile));
  const headers: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines) headers[key] = line.slice(line.indexOf(':') + 1).trim();
  headers['message-id'] = entry.messageId ?? headers['message-id'];
  const to = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((a) =>
    a.value.map((v) => v.address ?? ''),
  );
  return { from: parsed.from?.text ?? '', to, subject: parsed.subject ?? '', headers, text: parsed.text ?? '' };
}

main().catch((err) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
