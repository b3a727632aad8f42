import { AwsError, createJsonEndpoint } from './aws-json-endpoint';
import { closeHttpServer, HOST, listen } from './listen';
import type { ExecutionRecord, Executions } from './sfn-executions';

/**
 * A tiny Step Functions API (AWS JSON 1.0, `X-Amz-Target: AWSStepFunctions.<Operation>`) over the local
 * executions, so the unchanged SFNClient code runs: StartExecution, DescribeExecution, ListExecutions,
 * StopExecution, DescribeStateMachine, ListStateMachines. Timestamps are epoch seconds, as the SDK expects.
 */

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

function describe(r: ExecutionRecord) {
  return {
    executionArn: r.executionArn,
    stateMachineArn: r.stateMachineArn,
    name: r.name,
    status: r.status,
    startDate: seconds(r.startDate),
    stopDate: seconds(r.stopDate),
    input: r.input,
    inputDetails: { included: true },
    ...(r.output !== undefined ? { output: r.output, outputDetails: { included: true } } : {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
    ...(r.cause !== undefined ? { cause: r.cause } : {}),
  };
}

export interface LocalSfn {
  port: number;
  endpoint: string;
  stop(): Promise<void>;
}

export async function startSfn(options: { port: number; executions: Executions }): Promise<LocalSfn> {
  const { executions } = options;
  const created = Date.now() / 1000;
  const page = <T>(items: T[], input: Record<string, unknown>) => {
    const max = Number(input.maxResults) || 100;
    const from = input.nextToken ? Number(input.nextToken) : 0;
    if (!Number.isInteger(from) || from < 0) throw new AwsError('InvalidToken', 'Invalid Token');
    const slice = items.slice(from, from + max);
    return { slice, nextToken: from + max < items.length ? String(from + max) : undefined };
  };
  const server = createJsonEndpoint({
    targetPrefix: 'AWSStepFunctions',
    jsonVersion: '1.0',
    operations: {
      StartExecution: (input) => {
        const { executionArn, startDate } = executions.start(
          String(input.stateMachineArn ?? ''),
          input.name as string | undefined,
          input.input as string | undefined,
        );
        return { executionArn, startDate: seconds(startDate) };
      },
      DescribeExecution: (input) => describe(executions.describe(String(input.executionArn ?? ''))),
      StopExecution: (input) => ({
        stopDate: seconds(
          executions.stopExecution(
            String(input.executionArn ?? ''),
            input.error as string | undefined,
            input.cause as string | undefined,
          ),
        ),
      }),
      ListExecutions: (input) => {
        const { slice, nextToken } = page(
          executions.list(String(input.stateMachineArn ?? ''), input.statusFilter as string | undefined),
          input,
        );
        return {
          executions: slice.map((r) => ({
            executionArn: r.executionArn,
            stateMachineArn: r.stateMachineArn,
            name: r.name,
            status: r.status,
            startDate: seconds(r.startDate),
            stopDate: seconds(r.stopDate),
          })),
          nextToken,
        };
      },
      DescribeStateMachine: (input) => {
        const m = executions.machine(String(input.stateMachineArn ?? ''));
        return {
          stateMachineArn: m.arn,
          name: m.name,
          status: 'ACTIVE',
          definition: JSON.stringify(m.definition),
          roleArn: 'arn:aws:iam::000000000000:role/local',
          type: 'STANDARD',
          creationDate: created,
        };
      },
      ListStateMachines: () => ({
        stateMachines: executions.machineList.map((m) => ({
          stateMachineArn: m.arn,
          name: m.name,
          type: 'STANDARD',
          creationDate: created,
        })),
      }),
    },
  });
  const port = await listen(server, options.port, 'sfn');
  return { port, endpoint: `http://${HOST}:${port}`, stop: () => closeHttpServer(server) };
}
