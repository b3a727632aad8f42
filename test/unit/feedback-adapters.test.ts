/**
 * The DynamoDB side of the suppression list, and the feedback function's handler (SNS event in,
 * suppression written, failures thrown so Lambda retries), with aws-sdk-client-mock.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoSuppressionList } from '../../functions/adapters/dynamo-suppression-list';
import { buildDeploymentJson } from '../../lib/config/deployment';
import { CONFIG_PATH } from '../support/fixtures';
import { conditionFailed } from '../support/dynamo';

describe('DynamoSuppressionList', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const list = new DynamoSuppressionList(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    'Tickets',
  );
  beforeEach(() => ddb.reset());

  it('reads one item per distinct address (lower-cased) and skips suppressions that have ended', async () => {
    ddb.on(GetCommand).resolves({});
    ddb
      .on(GetCommand, { Key: { pk: 'SUPPRESS#gone@x.org', sk: 'SUPPRESS' } })
      .resolves({ Item: { address: 'gone@x.org', reason: 'bounce', detail: 'd', since: '2026-01-01T00:00:00Z' } });
    ddb.on(GetCommand, { Key: { pk: 'SUPPRESS#full@x.org', sk: 'SUPPRESS' } }).resolves({
      Item: {
        address: 'full@x.org',
        reason: 'transient-bounces',
        detail: 'd',
        since: '2026-01-01T00:00:00Z',
        until: '2026-01-08T00:00:00Z',
      },
    });
    const found = await list.find(
      ['Gone@X.org', 'gone@x.org', 'full@x.org', 'ok@x.org'],
      new Date('2026-01-09T00:00:00Z'),
    );
    expect(found.map((s) => s.address)).toEqual(['gone@x.org']);
    expect(ddb.commandCalls(GetCommand).map((c) => c.args[0].input.Key!.pk)).toEqual([
      'SUPPRESS#gone@x.org',
      'SUPPRESS#full@x.org',
      'SUPPRESS#ok@x.org',
    ]);
  });

  it('writes a permanent suppression unconditionally, a time-limited one only over nothing or another time-limited one', async () => {
    ddb.on(PutCommand).resolvesOnce({}).rejects(conditionFailed());
    await list.suppress({ address: 'Gone@X.org', reason: 'bounce', detail: 'd', since: '2026-01-01T00:00:00Z' });
    await list.suppress({
      address: 'gone@x.org',
      reason: 'transient-bounces',
      detail: 'd',
      since: '2026-01-01T00:00:00Z',
      until: '2026-01-08T00:00:00Z',
    });
    const [hard, soft] = ddb.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(hard).toMatchObject({
      Item: { pk: 'SUPPRESS#gone@x.org', sk: 'SUPPRESS', address: 'gone@x.org', reason: 'bounce' },
    });
    expect(hard.ConditionExpression).toBeUndefined();
    expect(hard.Item!.expiresAt).toBeUndefined();
    expect(soft).toMatchObject({
      ConditionExpression: 'attribute_not_exists(pk) OR attribute_exists(#until)',
      Item: { expiresAt: Date.parse('2026-01-08T00:00:00Z') / 1000 },
    });
  });

  it('lets other errors through (the function is retried)', async () => {
    ddb
      .on(PutCommand)
      .rejects(Object.assign(new Error('Throughput exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(
      list.suppress({ address: 'a@x.org', reason: 'complaint', detail: 'd', since: '2026-01-01T00:00:00Z' }),
    ).rejects.toThrow('Throughput exceeded');
  });

  it('records a transient bounce under its time and feedback id, then counts the window with a consistent Query over all pages', async () => {
    ddb.on(PutCommand).resolves({});
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Count: 2, LastEvaluatedKey: { pk: 'x', sk: 'y' } })
      .resolves({ Count: 1 });
    const at = new Date('2026-01-10T00:00:00Z');
    expect(await list.recordTransientBounce('Full@X.org', 'fb-1', at, 7 * 86_400_000)).toBe(3);
    expect(ddb.commandCalls(PutCommand)[0].args[0].input.Item).toMatchObject({
      pk: 'SUPPRESS#full@x.org',
      sk: 'SOFT#2026-01-10T00:00:00.000Z#fb-1',
      feedbackId: 'fb-1',
    });
    const query = ddb.commandCalls(QueryCommand)[0].args[0].input;
    expect(query).toMatchObject({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      Select: 'COUNT',
      ConsistentRead: true,
    });
    expect(query.ExpressionAttributeValues).toEqual({
      ':pk': 'SUPPRESS#full@x.org',
      ':from': 'SOFT#2026-01-03T00:00:00.000Z',
      ':to': 'SOFT#2026-01-10T00:00:00.000Z#\uffff',
    });
    expect(ddb.commandCalls(QueryCommand)[1].args[0].input.ExclusiveStartKey).toEqual({ pk: 'x', sk: 'y' });
  });

  it('lifts a suppression and says whether there was one', async () => {
    ddb
      .on(DeleteCommand)
      .resolvesOnce({ Attributes: { address: 'a@x.org' } })
      .resolves({});
    expect(await list.lift('A@x.org')).toBe(true);
    expect(await list.lift('a@x.org')).toBe(false);
    expect(ddb.commandCalls(DeleteCommand)[0].args[0].input.Key).toEqual({ pk: 'SUPPRESS#a@x.org', sk: 'SUPPRESS' });
  });
});

describe('feedback handler', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  let handler: (event: SNSEvent) => Promise<unknown[]>;

  beforeAll(() => {
    process.env.TICKETS_TABLE = 'Tickets';
    process.env.AWS_REGION = 'us-east-1';
    process.env.TRIAGE_DEPLOYMENT = buildDeploymentJson(CONFIG_PATH);
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    handler = require('../../functions/feedback/handler').handler;
  });
  beforeEach(() => ddb.reset());

  const record = (id: string, message: unknown) => ({
    EventSource: 'aws:sns',
    Sns: { MessageId: id, Message: typeof message === 'string' ? message : JSON.stringify(message) },
  });
  const complaint = (address: string) => ({
    eventType: 'Complaint',
    complaint: {
      complainedRecipients: [{ emailAddress: address }],
      timestamp: '2026-11-23T11:00:00.000Z',
      feedbackId: `fb-${address}`,
      complaintFeedbackType: 'abuse',
    },
    mail: {
      messageId: 'ses-1',
      source: 'billing@example.com',
      destination: [address],
      timestamp: '2026-11-23T10:00:00.000Z',
    },
  });

  it('suppresses the complainant of each record and ignores what is not feedback', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    const outcomes = await handler({
      Records: [record('m1', complaint('a@x.org')), record('m2', 'not json')],
    } as unknown as SNSEvent);
    expect(outcomes).toEqual([
      expect.objectContaining({ outcome: 'recorded', kind: 'complaint' }),
      expect.objectContaining({ outcome: 'ignored' }),
    ]);
    expect(ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item!.pk)).toEqual(['SUPPRESS#a@x.org']);
  });

  it('runs every record, then throws naming the SNS messages that failed (Lambda retries, then the DLQ)', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    ddb
      .on(PutCommand, { Item: { pk: 'SUPPRESS#bad@x.org' } } as never)
      .rejects(
        Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException' }),
      );
    await expect(
      handler({
        Records: [record('m-bad', complaint('bad@x.org')), record('m-ok', complaint('ok@x.org'))],
      } as unknown as SNSEvent),
    ).rejects.toThrow(/failed to record SES feedback of SNS message\(s\) m-bad: Rate of requests exceeds/);
    expect(ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item!.pk)).toContain('SUPPRESS#ok@x.org');
  });
});
