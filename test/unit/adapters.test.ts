import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { simpleParser } from 'mailparser';
import { DynamoDeliveryLedger } from '../../functions/adapters/dynamo-delivery-ledger';
import { DynamoTicketRepository } from '../../functions/adapters/dynamo-ticket-repository';
import { SesMailer } from '../../functions/adapters/ses-mailer';
import { SfnTimerScheduler } from '../../functions/adapters/sfn-timer-scheduler';
import { decodeS3Key } from '../../functions/inbound/handler';
import { conditionFailed } from '../support/dynamo';

describe('DynamoTicketRepository', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const repo = new DynamoTicketRepository(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    'Tickets',
    ['billing'],
  );
  beforeEach(() => ddb.reset());

  it('allocates ticket numbers with one atomic counter update per prefix, starting after 1000', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { value: 1042 } });
    expect(await repo.nextTicketNumber('BIL')).toBe(1042);
    const input = ddb.commandCalls(UpdateCommand)[0].args[0].input;
    expect(input).toMatchObject({
      TableName: 'Tickets',
      Key: { pk: 'COUNTER#BIL', sk: 'COUNTER' },
      ReturnValues: 'UPDATED_NEW',
    });
    expect(input.UpdateExpression).toBe('SET #value = if_not_exists(#value, :base) + :one');
    expect(input.ExpressionAttributeValues).toEqual({ ':base': 1000, ':one': 1 });
  });
});

describe('DynamoDeliveryLedger', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const ledger = new DynamoDeliveryLedger(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    'Tickets',
  );
  beforeEach(() => ddb.reset());

  it('claims a delivery once; a second object with the same mail is a duplicate, the same object resumes', async () => {
    const now = new Date('2026-11-23T10:00:00Z');
    ddb.on(PutCommand).resolvesOnce({}).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({
      Item: {
        objectKey: 'inbound/a/1',
        claimedAt: now.toISOString(),
        state: 'claimed',
        done: ['ack'],
        ticketId: 'BIL-1001',
      },
    });
    expect(await ledger.claimDelivery('k', 'inbound/a/1', now)).toEqual({
      status: 'new',
      firstKey: 'inbound/a/1',
      done: [],
    });
    expect(await ledger.claimDelivery('k', 'inbound/a/1', now)).toEqual({
      status: 'resumed',
      firstKey: 'inbound/a/1',
      done: ['ack'],
      ticketId: 'BIL-1001',
    });
    expect(await ledger.claimDelivery('k', 'inbound/a/2', now)).toMatchObject({
      status: 'duplicate',
      ticketId: 'BIL-1001',
    });
    expect(ddb.commandCalls(PutCommand)[0].args[0].input.ConditionExpression).toBe('attribute_not_exists(pk)');
  });

  it('takes over a claim abandoned for longer than a Lambda can run', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({
      Item: { objectKey: 'inbound/a/1', claimedAt: '2026-11-23T09:00:00.000Z', state: 'claimed', done: [] },
    });
    ddb.on(UpdateCommand).resolves({});
    expect(await ledger.claimDelivery('k', 'inbound/a/2', new Date('2026-11-23T10:00:00Z'))).toMatchObject({
      status: 'resumed',
    });
  });

  it('lets other DynamoDB errors through so the event is retried', async () => {
    ddb
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('Throughput exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(ledger.beginStep('k', 'ack', 'attempt-1', new Date())).rejects.toThrow('Throughput exceeded');
  });
});

describe('SesMailer', () => {
  const ses = mockClient(SESClient);
  beforeEach(() => ses.reset());

  it('sends encoded MIME with threading headers and returns the Message-ID recipients see', async () => {
    ses.on(SendRawEmailCommand).resolves({ MessageId: '0100018c-abc' });
    const mailer = new SesMailer(new SESClient({ region: 'eu-west-1' }), 'triage', 'eu-west-1');
    const sent = await mailer.send({
      kind: 'ack',
      ticketId: 'BIL-1001',
      from: { address: 'billing@example.com', name: 'Example "Billing"' },
      to: ['jane@customer.example.org'],
      subject: 'Grüße\r\nBcc: victim@example.org',
      text: 'Hello',
      messageId: '<m1@example.com>',
      inReplyTo: '<c1@customer.example.org>',
      references: ['<c0@customer.example.org>', '<c1@customer.example.org>'],
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    expect(sent).toEqual({
      sesMessageId: '0100018c-abc',
      deliveredMessageId: '<0100018c-abc@eu-west-1.amazonses.com>',
    });
    const input = ses.commandCalls(SendRawEmailCommand)[0].args[0].input;
    expect(input).toMatchObject({
      Source: 'billing@example.com',
      Destinations: ['jane@customer.example.org'],
      ConfigurationSetName: 'triage',
    });
    const raw = Buffer.from(input.RawMessage!.Data!).toString();
    expect(raw).not.toMatch(/^Bcc:/m);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe('Grüße Bcc: victim@example.org');
    expect(parsed.inReplyTo).toBe('<c1@customer.example.org>');
    expect(parsed.references).toEqual(['<c0@customer.example.org>', '<c1@customer.example.org>']);
    expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
  });
});

describe('SfnTimerScheduler', () => {
  const sfn = mockClient(SFNClient);
  beforeEach(() => sfn.reset());

  const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:EmailTriage-ticket-timer';
  const plan = { generation: 2, step: 'follow-up' as const, at: '2026-11-24T09:45:02.000Z' };

  it('names the execution after ticket, generation and step, and treats an existing one as started', async () => {
    sfn
      .on(StartExecutionCommand)
      .resolvesOnce({ executionArn: 'arn' })
      .rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const scheduler = new SfnTimerScheduler(new SFNClient({ region: 'us-east-1' }), arn);
    await scheduler.schedule('BIL-1001', plan);
    await scheduler.schedule('BIL-1001', plan);
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input).toEqual({
      stateMachineArn: arn,
      name: 'BIL-1001-g2-follow-up',
      input: JSON.stringify({ ticketId: 'BIL-1001', generation: 2, step: 'follow-up', at: '2026-11-24T09:45:02.000Z' }),
    });
  });

  it('stops a superseded step by its execution ARN, and lets a missing one be', async () => {
    sfn
      .on(StopExecutionCommand)
      .resolvesOnce({})
      .rejects(new ExecutionDoesNotExist({ message: 'gone', $metadata: {} }));
    const scheduler = new SfnTimerScheduler(new SFNClient({ region: 'us-east-1' }), arn);
    await scheduler.cancel('BIL-1001', plan);
    await scheduler.cancel('BIL-1001', plan);
    expect(sfn.commandCalls(StopExecutionCommand)[0].args[0].input.executionArn).toBe(
      'arn:aws:states:us-east-1:123456789012:execution:EmailTriage-ticket-timer:BIL-1001-g2-follow-up',
    );
  });

  it('lets other errors through so the delivery is retried', async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(
      new SfnTimerScheduler(new SFNClient({ region: 'us-east-1' }), arn).schedule('BIL-1001', plan),
    ).rejects.toThrow('Rate exceeded');
  });
});

describe('inbound handler', () => {
  it('decodes S3 keys as S3 encodes them', () => {
    expect(decodeS3Key('inbound/help%40example.com/abc')).toBe('inbound/help@example.com/abc');
    expect(decodeS3Key('inbound/a+b%2Bc')).toBe('inbound/a b+c');
  });
});

describe('DynamoAutoReplyLimiter', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  beforeEach(() => ddb.reset());
  const { DynamoAutoReplyLimiter } = require('../../functions/adapters/dynamo-auto-reply-limiter');
  const limiter = new DynamoAutoReplyLimiter(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    'Tickets',
    {
      perSender: [
        { minutes: 60, max: 5 },
        { minutes: 10, max: 3 },
      ],
      global: { minutes: 60, max: 2000 },
    },
  );

  it('takes from each window with a conditional ADD, shortest window first, then the global one', async () => {
    ddb.on(UpdateCommand).resolves({});
    expect(await limiter.take('Jane@X.example', new Date('2026-11-23T10:17:00Z'))).toEqual({ allowed: true });
    const keys = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input.Key!.pk);
    expect(keys).toEqual([
      'RATE#sender:jane@x.example#10m#2026-11-23T10:10:00.000Z',
      'RATE#sender:jane@x.example#60m#2026-11-23T10:00:00.000Z',
      'RATE#global#60m#2026-11-23T10:00:00.000Z',
    ]);
    const input = ddb.commandCalls(UpdateCommand)[0].args[0].input;
    expect(input.ConditionExpression).toBe('attribute_not_exists(#count) OR #count < :max');
    expect(input.ExpressionAttributeValues![':max']).toBe(3);
  });

  it('refuses when a window is full, naming the limit', async () => {
    ddb.on(UpdateCommand).resolvesOnce({}).rejects(conditionFailed());
    expect(await limiter.take('jane@x.example', new Date())).toEqual({
      allowed: false,
      limit: '5 automatic replies per 60 minutes to this sender',
    });
  });
});

describe('S3AttachmentStore', () => {
  const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');
  const { S3AttachmentStore } = require('../../functions/adapters/s3-attachment-store');
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());

  it('writes the file under attachments/<ticket>/ and signs a GET link that expires', async () => {
    s3.on(PutObjectCommand).resolves({});
    const store = new S3AttachmentStore(
      new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } }),
      'raw-mail',
      3 * 86_400,
    );
    const linked = await store.keep('SUP-1001', {
      filename: 'core dump (1).bin',
      contentType: 'application/octet-stream',
      content: Buffer.alloc(10),
    });
    const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(put.Key).toMatch(/^attachments\/SUP-1001\/[0-9a-f-]{36}\/core_dump_1_.bin$/);
    expect(put.ContentDisposition).toBe("attachment; filename*=UTF-8''core%20dump%20(1).bin");
    expect(linked.url).toContain(`https://raw-mail.s3.us-east-1.amazonaws.com/${put.Key}?`);
    expect(linked.url).toMatch(/X-Amz-Expires=259200/);
    expect(linked).toMatchObject({ filename: 'core dump (1).bin', size: 10 });
  });
});
