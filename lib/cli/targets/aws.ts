import type { S3Event } from 'aws-lambda';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoCustomerDirectory } from '../../../functions/adapters/dynamo-customer-directory';
import { DynamoQuarantine } from '../../../functions/adapters/dynamo-quarantine';
import type { WeeklyReportRequest, WeeklyReportResult } from '../../../functions/usecases/run-weekly-report';
import { DynamoTicketRepository } from '../../../functions/adapters/dynamo-ticket-repository';
import type { ObjectOutcome } from '../../../functions/ports';
import { CliError, explainAwsError, noteTarget } from '../errors';
import { objectStoredAt } from './object-stored-at';
import { type DeadLetter, type DeadLetterQueue, InboundFailure, ReportFailure, type Target } from './target';

/** The stack outputs the CLI reads (lib/triage-stack.ts). */
export const STACK_OUTPUTS = {
  table: 'TicketsTableName',
  bucket: 'RawMailBucketName',
  departments: 'DepartmentNames',
  inboundFunction: 'InboundFunctionName',
  deadLetterQueue: 'InboundDeadLetterQueueUrl',
  stateMachine: 'TimerStateMachineArn',
  reportFunction: 'ReportFunctionName',
} as const;

export interface AwsTargetOptions {
  stack: string;
  region?: string;
  profile?: string;
}

/** Clients of one region and profile (the normal AWS credential chain). */
export interface AwsClients {
  cloudFormation: CloudFormationClient;
  dynamo: DynamoDBDocumentClient;
  s3: S3Client;
  lambda: LambdaClient;
  sqs: SQSClient;
}

function makeClients(region: string | undefined, profile: string | undefined): AwsClients {
  const common = { ...(region ? { region } : {}), ...(profile ? { profile } : {}), maxAttempts: 4 };
  return {
    cloudFormation: new CloudFormationClient(common),
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(common), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    s3: new S3Client(common),
    // a replayed mail may take as long as the function's timeout (2 minutes): no retry of a slow invoke
    lambda: new LambdaClient({ ...common, maxAttempts: 1 }),
    sqs: new SQSClient(common),
  };
}

/**
 * The Lambda on-failure destination record an SQS dead letter holds: the original event is
 * `requestPayload`, the function's error `responsePayload`.
 */
interface DestinationRecord {
  timestamp?: string;
  requestContext?: { condition?: string; approximateInvokeCount?: number };
  requestPayload?: unknown;
  responsePayload?: { errorType?: string; errorMessage?: string };
}

/** Reads one SQS dead letter: the destination record (or a bare S3 event). */
export function parseDeadLetterBody(id: string, body: string | undefined): DeadLetter {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return { id, error: 'the message body is not JSON' };
  }
  const record = parsed as DestinationRecord & { Records?: unknown };
  const event = (record.requestPayload ?? (Array.isArray(record.Records) ? record : undefined)) as S3Event | undefined;
  const error = record.responsePayload
    ? `${record.responsePayload.errorType ?? 'Error'}: ${record.responsePayload.errorMessage ?? ''}`
    : record.requestContext?.condition;
  return { id, event: Array.isArray(event?.Records) ? event : undefined, error, failedAt: record.timestamp };
}

class SqsDeadLetters implements DeadLetterQueue {
  private readonly receipts = new Map<string, string>();
  constructor(
    private readonly sqs: SQSClient,
    readonly location: string,
  ) {}

  async count(): Promise<number> {
    const { Attributes } = await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: this.location, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  }

  async receive(): Promise<DeadLetter[]> {
    const { Messages } = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.location,
        MaxNumberOfMessages: 10,
        // Longer than a run: a letter that fails again stays invisible until the run is over, so it is
        // handed out once, then waits in the queue for the next replay.
        VisibilityTimeout: 900,
        WaitTimeSeconds: 1,
      }),
    );
    return (Messages ?? []).map((m) => {
      const id = m.MessageId ?? m.ReceiptHandle ?? '?';
      if (m.ReceiptHandle) this.receipts.set(id, m.ReceiptHandle);
      return parseDeadLetterBody(id, m.Body);
    });
  }

  async remove(letter: DeadLetter): Promise<void> {
    const handle = this.receipts.get(letter.id);
    if (!handle) return;
    await this.sqs.send(new DeleteMessageCommand({ QueueUrl: this.location, ReceiptHandle: handle }));
    this.receipts.delete(letter.id);
  }
}

/** A deployed stack, found by name through CloudFormation, used with the normal AWS credential chain. */
export class AwsTarget implements Target {
  readonly kind = 'aws' as const;
  readonly label: string;
  readonly repository: DynamoTicketRepository;
  readonly quarantine: DynamoQuarantine;
  readonly customers: DynamoCustomerDirectory;
  readonly departments: readonly string[];
  readonly bucketName: string;
  readonly config = undefined;
  readonly timeScale = 1;

  constructor(
    readonly stackName: string,
    readonly region: string,
    readonly outputs: Readonly<Record<string, string>>,
    readonly clients: AwsClients,
  ) {
    this.label = `stack ${stackName} (${region})`;
    const table = this.output(STACK_OUTPUTS.table);
    this.departments = this.output(STACK_OUTPUTS.departments)
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean);
    this.bucketName = this.output(STACK_OUTPUTS.bucket);
    this.repository = new DynamoTicketRepository(clients.dynamo, table, this.departments);
    this.quarantine = new DynamoQuarantine(clients.dynamo, table);
    this.customers = new DynamoCustomerDirectory(clients.dynamo, table);
  }

  /**
   * Resolves region and credentials, then reads the stack's outputs.
   * @throws CliError with one line: no credentials, no region, no such stack, not allowed ...
   */
  static async open(
    options: AwsTargetOptions,
    clients = makeClients(options.region, options.profile),
  ): Promise<AwsTarget> {
    const context = { stack: options.stack, region: options.region, profile: options.profile };
    noteTarget({ kind: 'aws', context });
    const explain = (err: unknown) => explainAwsError(err, context) ?? err;
    try {
      // Credentials first: "no credentials" is the most common first failure, and the one to name.
      await clients.cloudFormation.config.credentials();
      context.region = await clients.cloudFormation.config.region();
      const { Stacks } = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: options.stack }));
      const stack = Stacks?.[0];
      if (!stack) throw new CliError(`stack ${options.stack} does not exist in ${context.region}`);
      if (/^(CREATE_IN_PROGRESS|CREATE_FAILED|ROLLBACK_|DELETE_)/.test(stack.StackStatus ?? '')) {
        throw new CliError(`stack ${options.stack} is ${stack.StackStatus}: it has no usable outputs`);
      }
      const outputs = Object.fromEntries(
        (stack.Outputs ?? [])
          .filter((o) => o.OutputKey && o.OutputValue !== undefined)
          .map((o) => [o.OutputKey!, o.OutputValue!]),
      );
      if (!outputs[STACK_OUTPUTS.table])
        throw new CliError(`stack ${options.stack} has no output ${STACK_OUTPUTS.table}: is it an email triage stack?`);
      return new AwsTarget(options.stack, context.region, outputs, clients);
    } catch (err) {
      throw explain(err);
    }
  }

  /** A stack output the command needs. */
  output(key: string): string {
    const value = this.outputs[key];
    if (value === undefined) {
      throw new CliError(
        `stack ${this.stackName} has no output ${key}; it was deployed by an older version: deploy the current one (\`npx cdk deploy\`)`,
      );
    }
    return value;
  }

  objectStoredAt(key: string): Promise<Date | undefined> {
    return objectStoredAt(this.clients.s3, this.bucketName, key);
  }

  /** Lambda Invoke (RequestResponse) of the inbound function with the event; its error becomes an {@link InboundFailure}. */
  async invokeInbound(event: S3Event): Promise<ObjectOutcome[]> {
    const functionName = this.output(STACK_OUTPUTS.inboundFunction);
    const result = await this.clients.lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify(event)),
      }),
    );
    const text = result.Payload ? Buffer.from(result.Payload).toString('utf8') : '';
    let payload: unknown;
    try {
      payload = text ? JSON.parse(text) : undefined;
    } catch {
      payload = text;
    }
    if (result.FunctionError) {
      const e = payload as { errorType?: string; errorMessage?: string } | undefined;
      throw new InboundFailure(`${e?.errorType ?? result.FunctionError}: ${e?.errorMessage ?? text}`);
    }
    return Array.isArray(payload) ? (payload as ObjectOutcome[]) : [];
  }

  /** Lambda Invoke (RequestResponse) of the report function; its error becomes a {@link ReportFailure}. */
  async invokeWeeklyReport(request: WeeklyReportRequest): Promise<WeeklyReportResult> {
    const functionName = this.output(STACK_OUTPUTS.reportFunction);
    const result = await this.clients.lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify(request)),
      }),
    );
    const text = result.Payload ? Buffer.from(result.Payload).toString('utf8') : '';
    if (result.FunctionError) {
      let e: { errorType?: string; errorMessage?: string } | undefined;
      try {
        e = JSON.parse(text);
      } catch {
        e = undefined;
      }
      throw new ReportFailure(`${e?.errorType ?? result.FunctionError}: ${e?.errorMessage ?? text}`);
    }
    return JSON.parse(text) as WeeklyReportResult;
  }

  deadLetters(): DeadLetterQueue {
    return new SqsDeadLetters(this.clients.sqs, this.output(STACK_OUTPUTS.deadLetterQueue));
  }

  close(): void {
    for (const client of Object.values(this.clients)) client.destroy();
  }
}
