/**
 * The local stack's emulator plumbing (not the mail flow: see mail-flow.test.ts): SMTP acceptance and
 * SES-like storage in S3, real-shaped S3 events, the SES outbox, Secrets Manager, and Step Functions
 * execution names. Starts an isolated stack in a temporary state directory on random ports.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { GetSendQuotaCommand, SendRawEmailCommand, SESClient } from '@aws-sdk/client-ses';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { waitFor } from '../support/local-mail';
import {
  PortInUseError,
  readStackFile,
  startLocalStack,
  type InvocationRecord,
  type LocalStack,
  type OutboxSidecar,
} from '../../lib/local';

jest.setTimeout(60_000);

const ALL_RANDOM = { smtp: 0, s3: 0, dynamodb: 0, ses: 0, secretsmanager: 0, sfn: 0 };
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('local stack plumbing', () => {
  let home: string;
  let stack: LocalStack;
  let smtp: Transporter;
  const lines: string[] = [];
  const invocations: InvocationRecord[] = [];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'triage-local-'));
    stack = await startLocalStack({
      stateDir: home,
      ports: ALL_RANDOM,
      log: (line) => lines.push(line),
      retryDelaysMs: [10, 10],
    });
    stack.events.on('invocation', (rec) => invocations.push(rec));
    smtp = nodemailer.createTransport({ host: '127.0.0.1', port: stack.ports.smtp, secure: false, ignoreTLS: true });
  });

  afterAll(async () => {
    smtp?.close();
    await stack?.whenIdle({ timeoutMs: 20_000 }).catch(() => undefined);
    await stack?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const send = async (mail: SendMailOptions) => {
    const info = await smtp.sendMail(mail);
    const id = /^250 Ok (\S+)/.exec(String(info.response))?.[1];
    expect(id).toMatch(/^[a-z0-9]{40}$/);
    return id!;
  };

  it('runs on the ports it reports and describes itself in stack.json', () => {
    for (const port of Object.values(stack.ports)) expect(port).toBeGreaterThan(0);
    const file = readStackFile(join(home, 'stack.json'));
    expect(file).toMatchObject({
      pid: process.pid,
      region: 'us-east-1',
      endpoints: {
        smtp: `smtp://127.0.0.1:${stack.ports.smtp}`,
        s3: `http://127.0.0.1:${stack.ports.s3}`,
        sfn: `http://127.0.0.1:${stack.ports.sfn}`,
      },
      tableName: stack.tableName,
      bucketName: stack.bucketName,
      stateMachineArn: stack.stateMachineArn,
      outboxDir: join(home, 'outbox'),
    });
    expect(stack.functionEnvironment).toMatchObject({
      TICKETS_TABLE: stack.tableName,
      RAW_MAIL_BUCKET: stack.bucketName,
      TIMER_STATE_MACHINE_ARN: stack.stateMachineArn,
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${stack.ports.s3}`,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${stack.ports.secretsmanager}`,
      POWERTOOLS_LOG_LEVEL: 'WARN',
    });
    expect(JSON.parse(stack.functionEnvironment.TRIAGE_DEPLOYMENT)).toHaveProperty('config.mailDomain', 'example.com');
  });

  it('refuses a recipient no receipt rule covers with 550 5.1.1', async () => {
    await expect(
      smtp.sendMail({ from: 'jane@customer.example.org', to: 'nobody@example.com', subject: 'x', text: 'x' }),
    ).rejects.toMatchObject({
      responseCode: 550,
      response: expect.stringContaining('5.1.1 <nobody@example.com>'),
    });
    await expect(
      smtp.sendMail({
        from: 'jane@customer.example.org',
        to: 'billing@elsewhere.example.net',
        subject: 'x',
        text: 'x',
      }),
    ).rejects.toMatchObject({ responseCode: 550 });
  });

  it('stores an accepted mail under inbound/<address lower-case>/ with the headers SES receiving adds', async () => {
    const id = await send({
      from: 'jane@customer.example.org',
      to: 'Billing@Example.com',
      subject: 'Stored as SES stores it',
      text: 'hello',
      messageId: '<plumb-1@customer.example.org>',
    });
    const raw = (await stack.readRawMail(`inbound/billing@example.com/${id}`)).toString('latin1');
    const [head] = raw.split('\r\n\r\n');
    expect(head).toMatch(
      /^Return-Path: <jane@customer\.example\.org>\r\nReceived: from .+\r\n by inbound-smtp\.us-east-1\.amazonaws\.com with SMTP id [a-z0-9]{40}\r\n for billing@example\.com;\r\n \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000 \(UTC\)\r\n/,
    );
    expect(head).toContain(
      '\r\nX-SES-Spam-Verdict: PASS\r\nX-SES-Virus-Verdict: PASS\r\nReceived-SPF: pass (spfCheck: domain of customer.example.org designates ',
    );
    expect(head).toMatch(
      /\r\nAuthentication-Results: amazonses\.com;\r\n spf=pass \(spfCheck: [^\r]+\r\n dkim=pass header\.i=@customer\.example\.org;\r\n dmarc=pass header\.from=customer\.example\.org;\r\nX-SES-RECEIPT: /,
    );
    // the sender's own message follows, unchanged
    expect(raw).toContain('\r\nMessage-ID: <plumb-1@customer.example.org>\r\n');
    expect(raw.indexOf('X-SES-RECEIPT:')).toBeLessThan(raw.indexOf('Message-ID:'));
  });

  it('writes the verdicts of the X-Triage-Test-Verdicts hook, and one replies/ object for several reply addresses', async () => {
    const id = await send({
      from: 'mallory@spoofed.example.org',
      to: ['ana.x1@reply.example.com', 'bob.x2@reply.example.com', 'support@example.com'],
      subject: 'verdicts',
      text: 'x',
      headers: { 'X-Triage-Test-Verdicts': 'spam=FAIL; dkim=FAIL; dmarc=FAIL; spf=GRAY' },
    });
    const reply = (await stack.readRawMail(`replies/${id}`)).toString('latin1');
    const support = (await stack.readRawMail(`inbound/support@example.com/${id}`)).toString('latin1');
    expect(support).toEqual(reply); // one message, one copy per receipt rule
    expect(reply).toContain('X-SES-Spam-Verdict: FAIL\r\nX-SES-Virus-Verdict: PASS\r\n');
    expect(reply).toMatch(
      /\r\n spf=none \(spfCheck: [^\r]*\r\n dkim=fail header\.i=@spoofed\.example\.org;\r\n dmarc=fail header\.from=spoofed\.example\.org;\r\n/,
    );
    expect(reply).not.toMatch(/\r\n for /); // several recipients: SES names none
  });

  it('delivers the S3 event like S3 does: real shape, URL-encoded key, one invocation per object', async () => {
    const id = await send({
      from: 'jane@customer.example.org',
      to: 'sales@example.com',
      subject: 'event shape',
      text: 'x',
    });
    await stack.whenIdle({ timeoutMs: 20_000 });
    const rec = invocations.find((i) => i.label === `inbound/sales@example.com/${id}`);
    expect(rec).toBeDefined();
    expect(rec!.attempt).toBe(1);
    const [record] = (rec!.event as { Records: Record<string, any>[] }).Records;
    expect(record).toMatchObject({
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      s3: {
        bucket: { name: stack.bucketName, arn: `arn:aws:s3:::${stack.bucketName}` },
        object: { key: `inbound/sales%40example.com/${id}`, size: expect.any(Number) },
      },
    });
    expect(invocations.filter((i) => i.label === `inbound/sales@example.com/${id}`)).toHaveLength(1);
  });

  it('keeps the exact bytes of SendRawEmail in the outbox, with the SES message id in the sidecar', async () => {
    const ses = new SESClient({ endpoint: stack.endpoints.ses, region: 'us-east-1', credentials });
    // bytes that a re-composing emulator would change: folded header, 8-bit body, no trailing newline
    const raw = Buffer.concat([
      Buffer.from(
        'From: Billing <billing@example.com>\r\nTo: jane@customer.example.org\r\nMessage-ID: <own@example.com>\r\nIn-Reply-To: <a@b>\r\nReferences: <a@b>\r\n <c@d>\r\nAuto-Submitted: auto-replied\r\nX-Triage-Ticket: BIL-1\r\nSubject: =?UTF-8?Q?R=C3=BCckfrage?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n',
      ),
      Buffer.from('Grüße\r\n.\r\nend', 'utf8'),
    ]);
    const before = stack.outbox.list().length;
    const out = await ses.send(
      new SendRawEmailCommand({
        RawMessage: { Data: raw },
        Source: 'billing@example.com',
        Destinations: ['jane@customer.example.org', 'cc@customer.example.org'],
        ConfigurationSetName: 'cs-1',
      }),
    );
    expect(out.MessageId).toMatch(/^0100[0-9a-f]{12}-[0-9a-f-]{36}-000000$/);
    const entries = stack.outbox.list();
    expect(entries).toHaveLength(before + 1);
    const entry = entries[entries.length - 1];
    expect(entry.emlFile).toMatch(new RegExp(`/outbox/\\d{6}-${out.MessageId}\\.eml$`));
    expect(readFileSync(entry.emlFile).equals(raw)).toBe(true);
    const sidecar = JSON.parse(readFileSync(entry.jsonFile, 'utf8')) as OutboxSidecar;
    expect(sidecar).toEqual({
      sesMessageId: out.MessageId,
      messageId: `<${out.MessageId}@email.amazonses.com>`,
      source: 'billing@example.com',
      destinations: ['jane@customer.example.org', 'cc@customer.example.org'],
      configurationSet: 'cs-1',
      sentAt: expect.any(String),
    });
    expect((await ses.send(new GetSendQuotaCommand({}))).SentLast24Hours).toBeGreaterThanOrEqual(1);
    ses.destroy();
  });

  it('serves the reply-token secret for the id in the functions environment, and ResourceNotFound otherwise', async () => {
    const sm = new SecretsManagerClient({ endpoint: stack.endpoints.secretsmanager, region: 'us-east-1', credentials });
    const secret = await sm.send(
      new GetSecretValueCommand({ SecretId: stack.functionEnvironment.REPLY_TOKEN_SECRET_ID }),
    );
    expect(secret.SecretString).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8'))).toEqual({
      [secret.Name!]: secret.SecretString,
    });
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'no-such-secret' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    sm.destroy();
  });

  it('treats execution names as AWS does: same name and input is idempotent, a different input conflicts', async () => {
    const sfn = new SFNClient({ endpoint: stack.endpoints.sfn, region: 'us-east-1', credentials });
    const input = JSON.stringify({
      ticketId: 'TST-1',
      generation: 0,
      step: 'escalate',
      at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    });
    const first = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: stack.stateMachineArn, name: 'TST-1-g0-escalate', input }),
    );
    expect(first.executionArn).toMatch(/^arn:aws:states:us-east-1:000000000000:execution:[^:]+:TST-1-g0-escalate$/);
    const again = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: stack.stateMachineArn, name: 'TST-1-g0-escalate', input }),
    );
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    await expect(
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: stack.stateMachineArn,
          name: 'TST-1-g0-escalate',
          input: JSON.stringify({ ticketId: 'TST-1', generation: 0, step: 'escalate', at: new Date().toISOString() }),
        }),
      ),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: `${stack.stateMachineArn}-nope`, name: 'x', input })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);

    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    expect(described).toMatchObject({
      status: 'RUNNING',
      name: 'TST-1-g0-escalate',
      input,
      stateMachineArn: stack.stateMachineArn,
    });
    const listed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn, statusFilter: 'RUNNING' }),
    );
    expect(listed.executions?.map((e) => e.name)).toContain('TST-1-g0-escalate');

    await sfn.send(
      new StopExecutionCommand({ executionArn: first.executionArn, error: 'Test', cause: 'stopped by the test' }),
    );
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }))).toMatchObject({
      status: 'ABORTED',
      error: 'Test',
    });
    // a closed execution's name stays taken, even with the same input
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: stack.stateMachineArn, name: 'TST-1-g0-escalate', input })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    // executions.json is written at most every 200 ms, so the stop reaches it within a moment
    const persisted = () =>
      existsSync(join(home, 'executions.json'))
        ? (JSON.parse(readFileSync(join(home, 'executions.json'), 'utf8')) as { name: string; status: string }[]).find(
            (e) => e.name === 'TST-1-g0-escalate' && e.status === 'ABORTED',
          )
        : undefined;
    expect(await waitFor(persisted, 2_000, 'the stopped execution in executions.json')).toMatchObject({
      name: 'TST-1-g0-escalate',
      status: 'ABORTED',
    });
    sfn.destroy();
  });

  it('reports a taken port as PortInUseError and leaves the running stack alone', async () => {
    const other = mkdtempSync(join(tmpdir(), 'triage-local-'));
    try {
      await expect(
        startLocalStack({
          stateDir: other,
          ports: { ...ALL_RANDOM, dynamodb: stack.ports.dynamodb },
          log: () => undefined,
        }),
      ).rejects.toThrow(PortInUseError);
      await expect(
        startLocalStack({
          stateDir: other,
          ports: { ...ALL_RANDOM, dynamodb: stack.ports.dynamodb },
          log: () => undefined,
        }),
      ).rejects.toThrow(`port ${stack.ports.dynamodb} (dynamodb) is already in use`);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    expect(existsSync(join(home, 'stack.json'))).toBe(true);
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(`http://127.0.0.1:${stack.ports.dynamodb}`);
    await send({ from: 'jane@customer.example.org', to: 'help@example.com', subject: 'still up', text: 'x' });
  });
});
