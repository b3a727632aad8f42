/**
 * Faults of the AWS services the functions call: throttling (DynamoDB `ThrottlingException` and
 * `ProvisionedThroughputExceededException`, SES `Throttling` "Maximum sending rate exceeded."),
 * timeouts, refused connections and 5xx answers.
 *
 * 1. Retries: the real SDK clients of functions/shared/clients.ts (maxAttempts 6, adaptive retry
 *    mode), with their transport replaced by a scripted one that fails N times, then answers. So the
 *    SDK's own retry strategy runs: attempts are counted and the delays between them measured. (A
 *    mock of `send`, as aws-sdk-client-mock does, would skip the retry strategy altogether.)
 * 2. After the last attempt the error reaches the caller: the adapter, the use case (which gives the
 *    claimed step back, so a later attempt sends the one acknowledgement), and the handler, which
 *    throws with the S3 key so Lambda retries the event and finally puts it in the dead-letter queue.
 */
import { Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendRawEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import type { S3Event } from 'aws-lambda';
import { DynamoDeliveryLedger } from '../../functions/adapters/dynamo-delivery-ledger';
import { SesMailer } from '../../functions/adapters/ses-mailer';
import { buildDeploymentJson } from '../../lib/config/deployment';
import { CONFIG_PATH, exampleConfig, FIXTURES } from '../support/fixtures';
import { MemoryDeliveryLedger, MemoryRawMailStore, MemoryTicketRepository } from '../support/in-memory';
import { inboundUseCase } from '../support/inbound';

type Clients = typeof import('../../functions/shared/clients').clients;

/** A fresh copy of functions/shared/clients.ts (its clients are made once per module instance, like once per Lambda container). */
function freshClients(): Clients {
  let clients: Clients | undefined;
  jest.isolateModules(() => {
    clients = (require('../../functions/shared/clients') as typeof import('../../functions/shared/clients')).clients;
  });
  return clients!;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}
type Step = Answer | Error;

/** The transport the SDK calls for every attempt: answers from a script, records when each attempt came. */
class ScriptedTransport {
  readonly attempts: number[] = [];
  constructor(private readonly script: (attempt: number) => Step) {}
  async handle(): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Readable } }> {
    this.attempts.push(Date.now());
    const step = this.script(this.attempts.length);
    if (step instanceof Error) throw step;
    return {
      response: {
        statusCode: step.status,
        headers: { 'x-amzn-requestid': `req-${this.attempts.length}`, ...step.headers },
        body: Readable.from([Buffer.from(step.body)]),
      },
    };
  }
  /** ms between consecutive attempts */
  get gaps(): number[] {
    return this.attempts.slice(1).map((t, i) => t - this.attempts[i]);
  }
}

const failThenSucceed = (failures: number, failure: () => Step, success: Step) => (attempt: number) =>
  attempt <= failures ? failure() : success;

// --- what the services answer (the shapes their protocols use) ---
const sesXml = { 'content-type': 'text/xml' };
const SES_OK: Answer = {
  status: 200,
  headers: sesXml,
  body: '<SendRawEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendRawEmailResult><MessageId>0100-ok</MessageId></SendRawEmailResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></SendRawEmailResponse>',
};
const sesError = (status: number, code: string, message: string, type = 'Sender'): Answer => ({
  status,
  headers: sesXml,
  body: `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
});
const SES_THROTTLED = () => sesError(400, 'Throttling', 'Maximum sending rate exceeded.');
const ddbJson = { 'content-type': 'application/x-amz-json-1.0' };
const DDB_OK: Answer = { status: 200, headers: ddbJson, body: '{}' };
const ddbError = (status: number, type: string, message: string): Answer => ({
  status,
  headers: { ...ddbJson, 'x-amzn-errortype': type.split('#')[1] },
  body: JSON.stringify({ __type: type, message }),
});
const DDB_THROUGHPUT = () =>
  ddbError(
    400,
    'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    'The level of configured provisioned throughput for the table was exceeded.',
  );
const DDB_THROTTLING = () =>
  ddbError(
    400,
    'com.amazon.coral.availability#ThrottlingException',
    'Rate of requests exceeds the allowed throughput.',
  );
const TIMEOUT = () => Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' });
const REFUSED = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' });

const mail = {
  kind: 'ack',
  ticketId: 'BIL-1001',
  from: { address: 'billing@example.com', name: 'Billing' },
  to: ['jane@customer.example.org'],
  subject: 'Hello',
  text: 'Hi',
  messageId: '<a@example.com>',
  headers: {},
};

beforeAll(() => {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
});

describe('the SDK clients as configured retry throttling, timeouts and 5xx with growing, jittered delays', () => {
  // The SDK waits random() x min(base x 2^i, 20 s) before retry i ("full jitter"): base 1 s after
  // throttling, 50 ms (DynamoDB: 25 ms) after transient errors. In adaptive mode the client also
  // slows itself down after throttling (a token bucket refilled at >= 0.5 per second). Fake timers make
  // the waits exact and the test fast; random() is fixed where the exact delays are asserted.
  let random: jest.SpyInstance | undefined;
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => {
    random?.mockRestore();
    random = undefined;
    jest.useRealTimers();
  });

  /** Lets fake time pass until the promise settles. */
  async function settle<T>(promise: Promise<T>): Promise<T> {
    let done = false;
    promise.then(
      () => (done = true),
      () => (done = true),
    );
    while (!done) await jest.advanceTimersByTimeAsync(5);
    return promise;
  }

  const sesSend = async (script: (attempt: number) => Step, r?: number) => {
    if (r !== undefined) random = jest.spyOn(Math, 'random').mockReturnValue(r);
    const transport = new ScriptedTransport(script);
    const ses = freshClients().ses();
    ses.config.requestHandler = transport as never;
    const result = await settle(new SesMailer(ses, 'ConfigSet', 'us-east-1').send(mail).catch((e: Error) => e));
    return { transport, result };
  };
  const ddbPut = async (script: (attempt: number) => Step, r?: number) => {
    if (r !== undefined) random = jest.spyOn(Math, 'random').mockReturnValue(r);
    const transport = new ScriptedTransport(script);
    const dynamo = freshClients().dynamo();
    dynamo.config.requestHandler = transport as never;
    const result = await settle(
      dynamo.send(new PutCommand({ TableName: 'Tickets', Item: { pk: 'x', sk: 'y' } })).catch((e: Error) => e),
    );
    return { transport, result };
  };
  /**
   * Each wait is the exponential backoff (first x 2^i), or, after throttling, what the client's own
   * rate limiter holds the attempt back when that is longer (at most 2 s: its refill rate never drops
   * below 0.5 per second).
   */
  const expectDoubling = (gaps: number[], first: number) =>
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(first * 2 ** i);
      expect(gap).toBeLessThan(Math.max(first * 2 ** i, first >= 1000 ? 2000 : 0) + 30);
    });

  it.each([
    ['Throttling "Maximum sending rate exceeded."', 1000, SES_THROTTLED],
    ['500 InternalFailure', 50, () => sesError(500, 'InternalFailure', 'Internal error', 'Receiver')],
    ['503 ServiceUnavailable', 50, () => sesError(503, 'ServiceUnavailable', 'Service unavailable', 'Receiver')],
    ['a request timeout', 50, TIMEOUT],
    ['a refused connection', 50, REFUSED],
  ])('SES: %s 4 times, then success: 5 attempts, waits doubling from %d ms', async (_, first, failure) => {
    const { transport, result } = await sesSend(failThenSucceed(4, failure as () => Step, SES_OK), 1);
    expect(result).toEqual({ sesMessageId: '0100-ok', deliveredMessageId: '<0100-ok@email.amazonses.com>' });
    expect(transport.attempts).toHaveLength(5);
    expectDoubling(transport.gaps, first as number);
  });

  it.each([
    ['ProvisionedThroughputExceededException', 1000, DDB_THROUGHPUT],
    ['ThrottlingException', 1000, DDB_THROTTLING],
    [
      '500 InternalServerError',
      25,
      () => ddbError(500, 'com.amazonaws.dynamodb.v20120810#InternalServerError', 'Internal server error'),
    ],
    ['a request timeout', 25, TIMEOUT],
  ])('DynamoDB: %s 3 times, then success: 4 attempts, waits doubling from %d ms', async (_, first, failure) => {
    const { transport, result } = await ddbPut(failThenSucceed(3, failure as () => Step, DDB_OK), 1);
    expect(result).not.toBeInstanceOf(Error);
    expect(transport.attempts).toHaveLength(4);
    expectDoubling(transport.gaps, first as number);
  });

  it('draws every wait at random up to the exponential cap (full jitter)', async () => {
    const waits = async (r: number) =>
      (
        await ddbPut(
          failThenSucceed(3, () => ddbError(500, 'com.amazonaws.dynamodb.v20120810#InternalServerError', 'x'), DDB_OK),
          r,
        )
      ).transport.gaps;
    const full = await waits(1);
    random?.mockRestore();
    const half = await waits(0.5);
    half.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(Math.floor(full[i] / 2) - 1);
      expect(gap).toBeLessThan(full[i]);
    });
    random?.mockRestore();
    random = undefined;
    // with the real random(): never above the cap, and not all equal to it
    const real = await ddbPut(
      failThenSucceed(5, () => ddbError(500, 'com.amazonaws.dynamodb.v20120810#InternalServerError', 'x'), DDB_OK),
    );
    for (const [i, gap] of real.transport.gaps.entries()) expect(gap).toBeLessThanOrEqual(25 * 2 ** i + 30);
    expect(real.transport.gaps.some((gap, i) => gap < 25 * 2 ** i - 1)).toBe(true);
  });

  it('slows itself down after throttling (adaptive mode): however small the random wait, it sends far less often', async () => {
    const { transport, result } = await sesSend(failThenSucceed(3, SES_THROTTLED, SES_OK), 0.01); // backoff alone: 10, 20, 40 ms
    expect(result).toMatchObject({ sesMessageId: '0100-ok' });
    // the client's token bucket, refilled at a rate cut by each throttle (floor 0.5 per second), holds the attempts back
    for (const gap of transport.gaps) expect(gap).toBeGreaterThanOrEqual(500);
  });

  it('gives up after 6 attempts and lets the service error through, with the attempts it took', async () => {
    const { transport, result } = await sesSend(() => SES_THROTTLED(), 1);
    expect(transport.attempts).toHaveLength(6);
    expect(result).toMatchObject({
      name: 'Throttling',
      message: 'Maximum sending rate exceeded.',
      $metadata: { attempts: 6, httpStatusCode: 400 },
    });
    expect(
      (result as unknown as { $metadata: { totalRetryDelay: number } }).$metadata.totalRetryDelay,
    ).toBeGreaterThanOrEqual(31_000); // 1 + 2 + 4 + 8 + 16 s
    const ddb = await ddbPut(() => DDB_THROUGHPUT(), 1);
    expect(ddb.transport.attempts).toHaveLength(6);
    expect(ddb.result).toMatchObject({ name: 'ProvisionedThroughputExceededException', $metadata: { attempts: 6 } });
  });

  it('does not retry what a retry cannot fix (a rejected message)', async () => {
    const { transport, result } = await sesSend(() =>
      sesError(400, 'MessageRejected', 'Email address is not verified.'),
    );
    expect(transport.attempts).toHaveLength(1);
    expect(result).toMatchObject({ name: 'MessageRejected' });
  });

  it('after the last retry the use case gives the claimed ack back; the next attempt (Lambda retry) sends exactly one ack', async () => {
    let throttling = true;
    const transport = new ScriptedTransport(() => (throttling ? SES_THROTTLED() : SES_OK));
    const ses = freshClients().ses();
    ses.config.requestHandler = transport as never;
    const config = exampleConfig();
    const store = new MemoryRawMailStore();
    const repository = new MemoryTicketRepository();
    const ledger = new MemoryDeliveryLedger();
    const useCase = inboundUseCase({
      config,
      store,
      repository,
      ledger,
      mailer: new SesMailer(ses, 'ConfigSet', 'us-east-1'),
    });
    const object = { key: 'inbound/help@example.com/obj1', arrivedAt: new Date() };
    store.objects.set(object.key, readFileSync(join(FIXTURES, 'refund-to-help.eml')));

    await expect(settle(useCase.execute(object))).rejects.toMatchObject({ name: 'Throttling' });
    expect(transport.attempts).toHaveLength(6); // the SDK's attempts, all for the ack
    expect(ledger.outcomes.size).toBe(0); // unfinished: the retry runs it again
    expect([...ledger.claims.values()][0].steps.has('ack')).toBe(false); // the ack was given back

    throttling = false; // Lambda's retry, a minute later
    expect(await settle(useCase.execute(object))).toMatchObject({ outcome: 'created', ticketId: 'BIL-1001' });
    expect(repository.messages.filter((m) => m.kind === 'ack')).toHaveLength(1);
    expect(transport.attempts).toHaveLength(6 + 2); // one ack, one agents' copy
    expect(await settle(useCase.execute(object))).toMatchObject({ outcome: 'duplicate' });
  });
});

describe('the inbound handler, after the retries, fails the event with its S3 key (Lambda retries it, then dead-letters it)', () => {
  let ddb: AwsStub<any, any, any>;
  let s3: AwsStub<any, any, any>;
  let ses: AwsStub<any, any, any>;
  let sfn: AwsStub<any, any, any>;
  let secrets: AwsStub<any, any, any>;
  let handler: (event: S3Event) => Promise<unknown>;
  const key = 'inbound/help@example.com/0abc123';
  const event = {
    Records: [
      {
        eventTime: '2026-11-23T10:15:02.000Z',
        s3: { bucket: { name: 'raw' }, object: { key: key.replace('@', '%40') } },
      },
    ],
  } as unknown as S3Event;

  beforeAll(() => {
    Object.assign(process.env, {
      TICKETS_TABLE: 'Tickets',
      RAW_MAIL_BUCKET: 'raw',
      REPLY_TOKEN_SECRET_ID: 'secret',
      TIMER_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:1:stateMachine:t',
      SES_CONFIGURATION_SET: 'ConfigSet',
      TRIAGE_DEPLOYMENT: buildDeploymentJson(CONFIG_PATH),
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    [ddb, s3, ses, sfn, secrets] = [
      mockClient(DynamoDBDocumentClient),
      mockClient(S3Client),
      mockClient(SESClient),
      mockClient(SFNClient),
      mockClient(SecretsManagerClient),
    ];
    handler = require('../../functions/inbound/handler').handler;
  });
  afterAll(() => {
    for (const m of [ddb, s3, ses, sfn, secrets]) m.restore();
  });
  beforeEach(() => {
    for (const m of [ddb, s3, ses, sfn, secrets]) m.reset();
    const raw = readFileSync(join(FIXTURES, 'refund-to-help.eml'));
    s3.on(GetObjectCommand).resolves({ Body: { transformToByteArray: async () => new Uint8Array(raw) } as never });
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(UpdateCommand).resolves({ Attributes: { value: 1001 } });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'k'.repeat(64) });
    sfn.on(StartExecutionCommand).resolves({});
  });

  it('SES still throttling after its retries: the event fails naming the key and the cause', async () => {
    ses
      .on(SendRawEmailCommand)
      .rejects(
        Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'Throttling', $metadata: { attempts: 6 } }),
      );
    await expect(handler(event)).rejects.toThrow(`failed to process ${key}: Maximum sending rate exceeded.`);
    // the ack's claim was given back for the retry
    expect(
      ddb.commandCalls(UpdateCommand).some((c) => /^REMOVE #step/.test(c.args[0].input.UpdateExpression ?? '')),
    ).toBe(true);
  });

  it('DynamoDB still throttling after its retries: the event fails naming the key', async () => {
    ddb.on(PutCommand).rejects(
      Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded.'), {
        name: 'ProvisionedThroughputExceededException',
        $metadata: { attempts: 6 },
      }),
    );
    await expect(handler(event)).rejects.toThrow(
      new RegExp(`failed to process ${key}: The level of configured provisioned throughput`),
    );
    expect(ses.commandCalls(SendRawEmailCommand)).toHaveLength(0);
  });

  it('the delivery ledger lets throttling through instead of taking it for a condition failure', async () => {
    ddb
      .on(PutCommand)
      .rejects(
        Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException' }),
      );
    const ledger = new DynamoDeliveryLedger(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
      'Tickets',
    );
    await expect(ledger.claimDelivery('k', 'inbound/a/1', new Date())).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
  });
});
