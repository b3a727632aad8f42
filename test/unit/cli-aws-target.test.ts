import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsTarget, parseDeadLetterBody, type AwsClients } from '../../lib/cli/targets/aws';
import { InboundFailure, ReportFailure } from '../../lib/cli/targets/target';
import { keysOf, replayDeadLetters, replayKey, s3EventFor, type ReplayLine } from '../../lib/cli/replay';
import { CliError } from '../../lib/cli/errors';

const config = { region: 'eu-west-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } };
const clients = (): AwsClients => ({
  cloudFormation: new CloudFormationClient(config),
  dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(config)),
  s3: new S3Client(config),
  lambda: new LambdaClient(config),
  sqs: new SQSClient(config),
});

const cfn = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
const sqs = mockClient(SQSClient);
const s3 = mockClient(S3Client);

const OUTPUTS = {
  TicketsTableName: 'EmailTriage-prod-Tickets',
  RawMailBucketName: 'emailtriage-prod-rawmail',
  DepartmentNames: 'billing,support,sales,triage',
  InboundFunctionName: 'EmailTriage-prod-Inbound',
  InboundDeadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/inbound-dlq',
  TimerStateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:timer',
};
const stack = (outputs: Record<string, string> = OUTPUTS, status = 'UPDATE_COMPLETE') => ({
  Stacks: [
    {
      StackName: 'EmailTriage-prod',
      StackStatus: status,
      CreationTime: new Date(),
      Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    } as never,
  ],
});
const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as never;

beforeEach(() => {
  cfn.reset();
  lambda.reset();
  sqs.reset();
  s3.reset();
});

describe('AwsTarget.open', () => {
  it('reads the stack outputs: table, bucket, departments', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'EmailTriage-prod' }).resolves(stack());
    const target = await AwsTarget.open({ stack: 'EmailTriage-prod' }, clients());
    expect(target).toMatchObject({
      kind: 'aws',
      region: 'eu-west-1',
      label: 'stack EmailTriage-prod (eu-west-1)',
      bucketName: OUTPUTS.RawMailBucketName,
    });
    expect(target.departments).toEqual(['billing', 'support', 'sales', 'triage']);
    expect(target.config).toBeUndefined();
  });

  it('says in one line that the stack does not exist', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id NoSuchStack does not exist'), { name: 'ValidationError' }));
    await expect(AwsTarget.open({ stack: 'NoSuchStack' }, clients())).rejects.toThrow(
      new CliError(
        'stack NoSuchStack does not exist in eu-west-1; check --stack and --region (`aws cloudformation list-stacks`)',
      ),
    );
  });

  it('refuses a stack that is not an email triage stack, or not usable', async () => {
    cfn
      .on(DescribeStacksCommand)
      .resolvesOnce(stack({ Other: 'x' }))
      .resolvesOnce(stack(OUTPUTS, 'ROLLBACK_COMPLETE'));
    await expect(AwsTarget.open({ stack: 'Other' }, clients())).rejects.toThrow(
      'stack Other has no output TicketsTableName: is it an email triage stack?',
    );
    await expect(AwsTarget.open({ stack: 'EmailTriage-prod' }, clients())).rejects.toThrow(
      'stack EmailTriage-prod is ROLLBACK_COMPLETE: it has no usable outputs',
    );
  });

  it('names an output that an older deployment lacks when a command needs it', async () => {
    const { InboundFunctionName, ...older } = OUTPUTS;
    cfn.on(DescribeStacksCommand).resolves(stack(older));
    const target = await AwsTarget.open({ stack: 'EmailTriage-prod' }, clients());
    expect(InboundFunctionName).toBeDefined();
    await expect(target.invokeInbound(s3EventFor('b', 'inbound/x@y.z/1', new Date(), 'eu-west-1'))).rejects.toThrow(
      /no output InboundFunctionName; it was deployed by an older version/,
    );
  });
});

describe('replay against AWS', () => {
  const outcome = (key: string) => ({
    key,
    outcome: 'created',
    ticketId: 'BIL-1001',
    department: 'billing',
    reason: 'address billing@example.com',
    at: '2026-11-23T10:00:00Z',
  });
  let target: AwsTarget;
  beforeEach(async () => {
    cfn.on(DescribeStacksCommand).resolves(stack());
    target = await AwsTarget.open({ stack: 'EmailTriage-prod' }, clients());
  });

  it('invokes the inbound function synchronously with the S3 event for the key, stored time as event time', async () => {
    const storedAt = new Date('2026-11-23T09:59:58Z');
    s3.on(HeadObjectCommand).resolves({ LastModified: storedAt });
    lambda
      .on(InvokeCommand)
      .resolves({ StatusCode: 200, Payload: payload([outcome('inbound/billing@example.com/abc')]) });
    const lines = await replayKey(target, 'inbound/billing@example.com/abc');
    expect(lines).toEqual([
      {
        key: 'inbound/billing@example.com/abc',
        outcome: 'created',
        ticketId: 'BIL-1001',
        department: 'billing',
        reason: 'address billing@example.com',
      },
    ]);
    const input = lambda.commandCalls(InvokeCommand)[0].args[0].input;
    expect(input).toMatchObject({ FunctionName: OUTPUTS.InboundFunctionName, InvocationType: 'RequestResponse' });
    const event = JSON.parse(Buffer.from(input.Payload as Uint8Array).toString('utf8'));
    expect(event.Records[0]).toMatchObject({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      eventTime: storedAt.toISOString(),
      awsRegion: 'eu-west-1',
    });
    // encoded as S3 encodes keys in events; the handler decodes it back
    expect(event.Records[0].s3).toMatchObject({
      bucket: { name: OUTPUTS.RawMailBucketName },
      object: { key: 'inbound/billing%40example.com/abc' },
    });
    expect(keysOf(event)).toEqual(['inbound/billing@example.com/abc']);
  });

  it('reports a missing object and a function error as failed lines', async () => {
    s3.on(HeadObjectCommand)
      .rejectsOnce(Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }))
      .resolves({ LastModified: new Date() });
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload({ errorType: 'Error', errorMessage: 'failed to process x: Throttling' }),
    });
    expect(await replayKey(target, 'inbound/x@y.z/gone')).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        reason: expect.stringMatching(/^no object inbound\/x@y.z\/gone in the raw-mail bucket/),
      }),
    ]);
    expect(await replayKey(target, 'inbound/x@y.z/1')).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        reason: 'the inbound function failed: Error: failed to process x: Throttling',
      }),
    ]);
  });

  it('--dlq: replays each Lambda destination record, deletes the ones that succeed, keeps the others', async () => {
    const record = (key: string) =>
      JSON.stringify({
        version: '1.0',
        timestamp: '2026-11-23T10:05:00.000Z',
        requestContext: {
          requestId: 'r',
          functionArn: 'arn',
          condition: 'RetriesExhausted',
          approximateInvokeCount: 3,
        },
        requestPayload: s3EventFor(OUTPUTS.RawMailBucketName, key, new Date('2026-11-23T10:00:00Z'), 'eu-west-1'),
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorType: 'Error', errorMessage: 'Throttling' },
      });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '3' } });
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          { MessageId: 'm1', ReceiptHandle: 'h1', Body: record('inbound/billing@example.com/one') },
          { MessageId: 'm2', ReceiptHandle: 'h2', Body: record('inbound/billing@example.com/two') },
          { MessageId: 'm3', ReceiptHandle: 'h3', Body: 'not json' },
        ],
      })
      .resolves({ Messages: [] });
    sqs.on(DeleteMessageCommand).resolves({});
    lambda
      .on(InvokeCommand)
      .resolvesOnce({ StatusCode: 200, Payload: payload([outcome('inbound/billing@example.com/one')]) })
      .resolvesOnce({
        StatusCode: 200,
        FunctionError: 'Unhandled',
        Payload: payload({ errorType: 'Error', errorMessage: 'still broken' }),
      });

    const lines: ReplayLine[] = [];
    const run = await replayDeadLetters(target, (l) => lines.push(l));
    expect(run).toEqual({ waiting: 3, replayed: 1, failed: 2 });
    expect(lines).toEqual([
      expect.objectContaining({ key: 'inbound/billing@example.com/one', outcome: 'created', deadLetter: 'm1' }),
      expect.objectContaining({
        key: 'inbound/billing@example.com/two',
        outcome: 'failed',
        reason: 'failed again, left in place: Error: still broken',
        deadLetter: 'm2',
      }),
      expect.objectContaining({
        key: null,
        outcome: 'failed',
        reason: expect.stringMatching(/^not an S3 event, left in place/),
        deadLetter: 'm3',
      }),
    ]);
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: OUTPUTS.InboundDeadLetterQueueUrl, ReceiptHandle: 'h1' },
    ]);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0].args[0].input).toMatchObject({
      QueueUrl: OUTPUTS.InboundDeadLetterQueueUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 900,
    });
    // the event went to the function exactly as the destination record holds it
    const sent = JSON.parse(
      Buffer.from(lambda.commandCalls(InvokeCommand)[0].args[0].input.Payload as Uint8Array).toString('utf8'),
    );
    expect(keysOf(sent)).toEqual(['inbound/billing@example.com/one']);
  });

  it('lets an AWS failure to invoke (not the function failing) end the run', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '1' } });
    sqs.on(ReceiveMessageCommand).resolves({
      Messages: [
        {
          MessageId: 'm1',
          ReceiptHandle: 'h1',
          Body: JSON.stringify({ requestPayload: s3EventFor('b', 'inbound/a@b.c/1', new Date(), 'eu-west-1') }),
        },
      ],
    });
    lambda
      .on(InvokeCommand)
      .rejects(
        Object.assign(new Error('not authorized to perform lambda:InvokeFunction'), { name: 'AccessDeniedException' }),
      );
    await expect(replayDeadLetters(target, () => undefined)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });
});

describe('dead-letter bodies', () => {
  it('reads the Lambda destination record, a bare S3 event, and rejects anything else', () => {
    const event = s3EventFor('b', 'inbound/a@b.c/1', new Date('2026-11-23T10:00:00Z'), 'eu-west-1');
    expect(
      parseDeadLetterBody(
        'm',
        JSON.stringify({
          requestPayload: event,
          responsePayload: { errorType: 'Error', errorMessage: 'boom' },
          timestamp: 't',
        }),
      ),
    ).toEqual({ id: 'm', event, error: 'Error: boom', failedAt: 't' });
    expect(parseDeadLetterBody('m', JSON.stringify(event))).toMatchObject({ event });
    expect(parseDeadLetterBody('m', '{"hello":1}')).toMatchObject({ event: undefined });
    expect(parseDeadLetterBody('m', 'x')).toEqual({ id: 'm', error: 'the message body is not JSON' });
    expect(new InboundFailure('x').name).toBe('InboundFailure');
  });
});

describe('weekly report against AWS', () => {
  it('invokes the report function with the request and returns its result', async () => {
    cfn.on(DescribeStacksCommand).resolves(stack({ ...OUTPUTS, ReportFunctionName: 'EmailTriage-prod-Reports' }));
    const target = await AwsTarget.open({ stack: 'EmailTriage-prod' }, clients());
    const result = {
      report: { week: { from: '2026-11-16', to: '2026-11-22' } },
      sent: { to: ['boss@example.com'], messageId: '<m@x>' },
    };
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(result) });
    expect(await target.invokeWeeklyReport({ ending: '2026-11-22', send: true })).toEqual(result);
    const input = lambda.commandCalls(InvokeCommand)[0].args[0].input;
    expect(input).toMatchObject({ FunctionName: 'EmailTriage-prod-Reports', InvocationType: 'RequestResponse' });
    expect(JSON.parse(Buffer.from(input.Payload as Uint8Array).toString('utf8'))).toEqual({
      ending: '2026-11-22',
      send: true,
    });

    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload({ errorType: 'WeeklyReportRequestError', errorMessage: 'ending: expected a date' }),
    });
    await expect(target.invokeWeeklyReport({ ending: 'x' })).rejects.toThrow(
      new ReportFailure('WeeklyReportRequestError: ending: expected a date'),
    );
  });

  it('names the missing output of an older stack', async () => {
    cfn.on(DescribeStacksCommand).resolves(stack());
    const target = await AwsTarget.open({ stack: 'EmailTriage-prod' }, clients());
    await expect(target.invokeWeeklyReport({})).rejects.toThrow(
      /stack EmailTriage-prod has no output ReportFunctionName; it was deployed by an older version/,
    );
  });
});
