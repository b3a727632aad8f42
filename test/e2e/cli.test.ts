/**
 * The operator CLI as an operator runs it (a separate process, `bin/triage.js`): against a local stack
 * started here (tickets and their filters, close/assign/priority, report, replay of a processed key and
 * of the dead-letter queue), and against "AWS" offline: no credentials, and a stack that does not exist
 * (a fake CloudFormation endpoint answering the Query-protocol error).
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import nodemailer, { type Transporter } from 'nodemailer';
import { startLocalStack, type LocalStack } from '../../lib/local/stack';
import { s3EventFor } from '../../lib/cli/replay';
import { ROOT } from '../support/fixtures';
import { jsonLines, triage, type CliResult } from '../support/cli';

jest.setTimeout(120_000);

/** Runs the CLI with exactly `env` (plus PATH): no AWS variables leak in from the test process. */
function triageIn(env: Record<string, string>, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin', 'triage.js'), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

/**
 * A Step Functions endpoint in front of the local one that can be made to refuse StartExecution
 * (`failing`): the inbound function then fails after it sent the acknowledgement and the agents' copy,
 * the way a real outage between those steps would leave it. `state.target` (the local endpoint) is
 * set once the stack is up; the functions are given the proxy's address when they start.
 */
function sfnProxy() {
  const state = { failing: false, target: '' };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (state.failing) {
        const body = JSON.stringify({
          __type: 'ServiceUnavailable',
          message: 'injected by the test: Step Functions is unavailable',
        });
        res
          .writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': 'ServiceUnavailable' })
          .end(body);
        return;
      }
      const url = new URL(req.url ?? '/', state.target);
      const forward = request(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (upstream) => {
        res.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(res);
      });
      forward.on('error', (err) => res.writeHead(502).end(String(err)));
      forward.end(Buffer.concat(chunks));
    });
  });
  return { server, state };
}

/** Takes the log lines containing `marker` off stdout and stderr (the handlers' expected error logs) while it is active. */
function captureLogLines(marker: string) {
  const lines: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    return jest.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      const text = String(chunk);
      if (!text.includes(marker)) return write(chunk, ...rest);
      lines.push(...text.split('\n').filter((l) => l.includes(marker)));
      return true;
    }) as never);
  });
  return {
    lines,
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

describe('triage against the local stack', () => {
  let home: string;
  let stack: LocalStack;
  let smtp: Transporter;
  let proxy: ReturnType<typeof sfnProxy>;
  const cli = (...args: string[]) => triage(home, args);

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'triage-cli-'));
    // The functions reach Step Functions through the proxy; the stack itself (the CLI's reads) does not.
    proxy = sfnProxy();
    const functionEndpoints = { sfn: `http://127.0.0.1:${await listen(proxy.server)}` };
    stack = await startLocalStack({
      stateDir: home,
      ports: { smtp: 0, s3: 0, dynamodb: 0, ses: 0, secretsmanager: 0, sfn: 0 },
      retryDelaysMs: [10, 10],
      log: () => undefined,
      functionEndpoints,
    });
    proxy.state.target = stack.endpoints.sfn;
    smtp = nodemailer.createTransport({ host: '127.0.0.1', port: stack.ports.smtp, secure: false, ignoreTLS: true });
    await smtp.sendMail({
      from: '"Jane Doe" <jane@customer.example.org>',
      to: 'billing@example.com',
      subject: 'Invoice 2026-114 twice',
      text: 'I was charged twice.',
      messageId: '<cli-1@customer.example.org>',
    });
    await smtp.sendMail({
      from: 'Joe <Joe@Customer.Example.org>',
      to: 'support@example.com',
      subject: 'Login broken',
      text: 'Cannot log in.',
      messageId: '<cli-2@customer.example.org>',
    });
    await stack.whenIdle();
  });

  afterAll(async () => {
    smtp?.close();
    await stack?.stop();
    proxy?.server.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const sentTo = async (address: string) => (await stack.outbox.list()).filter((m) => m.destinations.includes(address));

  it('lists every command in --help (each command has its own: test/unit/cli-program.test.ts)', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const name of [
      'tickets',
      'show',
      'close',
      'assign',
      'priority',
      'outbox',
      'ingest',
      'replay',
      'report',
      'config',
    ])
      expect(help.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });

  it('filters tickets (each filter: test/unit/cli-program.test.ts)', async () => {
    const ids = async (...args: string[]) =>
      jsonLines<{ id: string }>((await cli('tickets', '--json', ...args)).stdout).map((t) => t.id);
    const [all, filtered, unknown] = await Promise.all([
      ids(),
      ids('--department', 'support', '--status', 'open', '--customer', 'JOE@customer.example.org'),
      cli('tickets', '--department', 'bill'),
    ]);
    expect(all).toEqual(['BIL-1001', 'SUP-1001']);
    expect(filtered).toEqual(['SUP-1001']);
    expect(unknown).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'triage: unknown department "bill"; known: billing, support, sales, triage\n',
    });
  });

  it('closes, assigns and sets the priority of tickets', async () => {
    // independent commands run side by side (each is its own process)
    const [closed, assigned] = await Promise.all([
      cli('close', 'bil-1001'),
      cli('assign', 'SUP-1001', 'tom@agents.example.com', '--json'),
    ]);
    expect(closed).toMatchObject({ code: 0, stdout: 'BIL-1001 closed (was open)\n' });
    expect(JSON.parse(assigned.stdout)).toMatchObject({
      id: 'SUP-1001',
      assignee: 'tom@agents.example.com',
      version: 2,
    });

    const [again, closedList, stranger, missing, priority] = await Promise.all([
      cli('close', 'BIL-1001'),
      cli('tickets', '--json', '--status', 'closed'),
      cli('assign', 'SUP-1001', 'stranger@example.org'),
      cli('close', 'SUP-9999'),
      cli('priority', 'SUP-1001', 'urgent'),
    ]);
    expect(again.stdout).toMatch(/^BIL-1001 is already closed \(since 20/);
    expect(jsonLines<{ id: string; closedAt: string }>(closedList.stdout)).toEqual([
      expect.objectContaining({ id: 'BIL-1001', closedAt: expect.any(String) }),
    ]);
    expect(stranger).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /^triage: stranger@example\.org is not an agent or lead in the config; agents: .*\n$/,
      ),
    });
    expect(missing).toMatchObject({ code: 1, stderr: 'triage: no ticket SUP-9999 in the local stack\n' });
    expect(priority).toMatchObject({ code: 0, stdout: 'SUP-1001 priority urgent (was normal)\n' });
  });

  it('reports counts per department and status', async () => {
    const report = JSON.parse((await cli('report', '--json')).stdout);
    expect(report.overall).toMatchObject({
      total: 2,
      byStatus: { open: 1, closed: 1, waiting: 0, pending: 0 },
      firstResponse: { answered: 0 },
      overdue: 0,
    });
    expect(report.departments.map((d: { department: string; total: number }) => [d.department, d.total])).toEqual([
      ['billing', 1],
      ['support', 1],
      ['sales', 0],
      ['triage', 0],
    ]);
  });

  it('replays a processed key as a duplicate, without a second acknowledgement', async () => {
    const key = JSON.parse((await cli('show', 'BIL-1001', '--json')).stdout).messages[0].rawKey as string;
    const before = (await stack.outbox.list()).length;
    const replayed = await cli('replay', key);
    expect(replayed.code).toBe(0);
    expect(jsonLines(replayed.stdout)).toEqual([
      {
        key,
        outcome: 'duplicate',
        ticketId: 'BIL-1001',
        department: 'billing',
        reason: expect.stringMatching(/already processed/),
      },
    ]);
    expect((await stack.outbox.list()).length).toBe(before);
  });

  it('replays the dead-letter queue: the failed mail gets its ticket and timer, and still exactly one acknowledgement', async () => {
    // 1. Step Functions fails: the function sends the ack and the agents' copy, then fails on the timer,
    //    is retried twice (steps already done are skipped) and lands in the local DLQ.
    proxy.state.failing = true;
    const deadLetter = once(stack.events, 'deadLetter');
    const failures = captureLogLines('"message":"mail failed');
    let letter: { file: string; error: { errorMessage: string } };
    try {
      await smtp.sendMail({
        from: 'dana@customer.example.org',
        to: 'sales@example.com',
        subject: 'Quote for 40 seats',
        text: 'Please send a quote.',
        messageId: '<cli-dlq@customer.example.org>',
      });
      [letter] = (await deadLetter) as [typeof letter];
      await stack.whenIdle();
    } finally {
      failures.restore();
    }
    expect(letter.error.errorMessage).toMatch(/Step Functions is unavailable/);
    // each of the three attempts logged one structured line, with the object's key and SES message id
    expect(failures.lines.map((l) => JSON.parse(l))).toEqual(
      Array.from({ length: 3 }, () =>
        expect.objectContaining({
          level: 'ERROR',
          service: 'inbound',
          s3Key: expect.stringMatching(/^inbound\/sales@example\.com\//),
          sesMessageId: expect.any(String),
        }),
      ),
    );
    expect(await sentTo('dana@customer.example.org')).toHaveLength(1);
    expect(await sentTo('sam@agents.example.com')).toHaveLength(1);
    proxy.state.failing = false;

    // 2. Two letters written by hand: an already-processed key, and another function's event (left alone).
    const dlq = join(home, 'dlq');
    const processedKey = JSON.parse((await cli('show', 'SUP-1001', '--json')).stdout).messages[0].rawKey as string;
    writeFileSync(
      join(dlq, '0000-by-hand.json'),
      JSON.stringify({
        functionName: 'inbound',
        error: { errorType: 'Error', errorMessage: 'by hand' },
        event: s3EventFor(stack.bucketName, processedKey, new Date(), 'us-east-1'),
      }),
    );
    writeFileSync(
      join(dlq, '0001-other-function.json'),
      JSON.stringify({
        functionName: 'feedback',
        error: { errorType: 'Error', errorMessage: 'x' },
        event: { Records: [{ EventSource: 'aws:sns', Sns: { Message: '{}' } }] },
      }),
    );

    // 3. Replay.
    const replayed = await cli('replay', '--dlq', '--progress');
    expect(replayed.code).toBe(0);
    const lines = jsonLines<{ key: string; outcome: string; ticketId: string; deadLetter: string }>(replayed.stdout);
    expect(lines).toEqual([
      expect.objectContaining({
        key: processedKey,
        outcome: 'duplicate',
        ticketId: 'SUP-1001',
        deadLetter: '0000-by-hand.json',
      }),
      expect.objectContaining({
        key: expect.stringMatching(/^inbound\/sales@example\.com\//),
        outcome: 'created',
        ticketId: 'SAL-1001',
        deadLetter: letter.file.split(/[\\/]/).pop(),
      }),
    ]);
    expect(replayed.stderr).toMatch(/replaying dead letters: 2 replayed, 0 failed \(of 2 waiting\)/);
    expect(readdirSync(dlq).filter((f) => f.endsWith('.json'))).toEqual(['0001-other-function.json']);

    // 4. The ticket exists, its timer runs, and nobody got a second mail.
    await stack.whenIdle();
    expect(JSON.parse((await cli('show', 'SAL-1001', '--json')).stdout)).toMatchObject({
      id: 'SAL-1001',
      customer: 'dana@customer.example.org',
      status: 'open',
    });
    const sfn = new SFNClient({
      endpoint: stack.endpoints.sfn,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const { executions } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn }));
    sfn.destroy();
    expect(executions?.filter((e) => e.name === 'SAL-1001-g0-warn').map((e) => e.status)).toEqual(['RUNNING']);
    expect(await sentTo('dana@customer.example.org')).toHaveLength(1);
    expect(await sentTo('sam@agents.example.com')).toHaveLength(1);
    const again = await cli('replay', '--dlq');
    expect(again).toMatchObject({ code: 0, stdout: '' });
  });

  it('says that outbox and ingest are local only when given a stack', async () => {
    const results = await Promise.all([
      cli('outbox', '--stack', 'EmailTriage-prod'),
      cli('ingest', 'x.eml', '--stack', 'EmailTriage-prod'),
    ]);
    for (const result of results) {
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^triage: (outbox|ingest) works on the local stack only[^\n]*\n$/);
    }
  });
});

describe('triage against AWS, offline', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'triage-aws-'));
    writeFileSync(join(dir, 'config'), '');
    writeFileSync(join(dir, 'credentials'), '');
    mkdirSync(join(dir, 'home'));
    // nothing to find: no AWS variables, empty config and credentials files, no instance metadata
    env = {
      HOME: join(dir, 'home'),
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      TRIAGE_HOME: join(dir, 'state'),
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('without credentials fails with one line saying so', async () => {
    const results = await Promise.all(
      ([{}, { AWS_REGION: 'eu-west-1' }] as Record<string, string>[]).map((extra) =>
        triageIn({ ...env, ...extra }, ['tickets', '--stack', 'NoSuchStack']),
      ),
    );
    for (const result of results) {
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^triage: no AWS credentials: [^\n]*aws configure[^\n]*\n$/);
    }
  });

  it('with credentials but no region fails with one line saying so', async () => {
    const result = await triageIn({ ...env, AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret' }, [
      'report',
      '--stack',
      'NoSuchStack',
    ]);
    expect(result).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^triage: no AWS region: pass --region[^\n]*\n$/),
    });
  });

  it('with a stack that does not exist fails with one line saying so', async () => {
    const requests: string[] = [];
    const cloudFormation = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        requests.push(body);
        const name = decodeURIComponent(/StackName=([^&]*)/.exec(body)?.[1] ?? '');
        res
          .writeHead(400, { 'content-type': 'text/xml' })
          .end(
            `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code>` +
              `<Message>Stack with id ${name} does not exist</Message></Error><RequestId>4af3a6a4-0000-0000-0000-000000000000</RequestId></ErrorResponse>`,
          );
      });
    });
    const port = await listen(cloudFormation);
    try {
      const result = await triageIn(
        {
          ...env,
          AWS_ACCESS_KEY_ID: 'AKIDTEST',
          AWS_SECRET_ACCESS_KEY: 'secret',
          AWS_ENDPOINT_URL_CLOUDFORMATION: `http://127.0.0.1:${port}`,
        },
        ['tickets', '--stack', 'NoSuchStack', '--region', 'eu-west-1'],
      );
      expect(result).toMatchObject({
        code: 1,
        stdout: '',
        stderr:
          'triage: stack NoSuchStack does not exist in eu-west-1; check --stack and --region (`aws cloudformation list-stacks`)\n',
      });
      expect(requests).toEqual([expect.stringMatching(/Action=DescribeStacks&.*StackName=NoSuchStack/)]);
    } finally {
      cloudFormation.close();
    }
  });

  it('without a local stack and without --stack says how to start one', async () => {
    const result = await triageIn(env, ['tickets']);
    expect(result).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /^triage: no local stack is running \([^\n]*\); start one with `npm start`[^\n]*\n$/,
      ),
    });
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });
});
