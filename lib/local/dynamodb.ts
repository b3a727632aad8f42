import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableExists,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { LocalResources } from './cfn';
import { LOCAL_REGION } from './cfn';
import { PortInUseError } from './errors';
import { HOST, PORT_ENV } from './listen';

/**
 * DynamoDB: dynalite in a worker thread of its own, persisted (LevelDB) under `<stateDir>/dynamodb`. Tables are created
 * from the synthesised `AWS::DynamoDB::Table` (or `GlobalTable`) properties: key schema, attribute
 * definitions, GSIs and LSIs. dynalite has no TTL and no TransactWriteItems (TOOLCHAIN.md): the
 * `TimeToLiveSpecification` is skipped, and items with `expiresAt` simply stay.
 */

export interface LocalDynamo {
  port: number;
  endpoint: string;
  /** The listener, for the fault hooks (faults.ts): close it (connections refused, data kept), listen again on the same port. */
  listener: { close(): Promise<void>; listen(): Promise<void> };
  stop(): Promise<void>;
}

/**
 * Starts dynalite in a worker thread. In the main thread it took about a quarter of the stack's CPU
 * under load (request parsing, LevelDB, responses; `npm run bench` profile), competing with SMTP,
 * S3, the SES endpoint and the handlers for one event loop; in a thread of its own it runs on the
 * other core. The handlers reach it over HTTP as before.
 */
export async function startDynamo(options: { dir: string; port: number }): Promise<LocalDynamo> {
  mkdirSync(options.dir, { recursive: true });
  const worker = new Worker(join(__dirname, 'dynamodb-worker.js'), { workerData: { dir: options.dir, host: HOST } });
  const pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  let next = 0;
  let exited: Error | undefined;
  worker.on('message', (msg: { id: number; value?: unknown; error?: { message: string; code?: string } }) => {
    const call = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) call?.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code }));
    else call?.resolve(msg.value);
  });
  const fail = (err: Error) => {
    exited = err;
    for (const call of pending.values()) call.reject(err);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the DynamoDB emulator thread exited (code ${code})`)));
  const call = (command: string, extra: Record<string, unknown> = {}): Promise<unknown> =>
    exited
      ? Promise.reject(exited)
      : new Promise((resolve, reject) => {
          const id = next++;
          pending.set(id, { resolve, reject });
          worker.postMessage({ id, command, ...extra });
        });
  const listenOn = async (port: number): Promise<number> => {
    try {
      return (await call('listen', { port })) as number;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
        throw new PortInUseError('dynamodb', port, PORT_ENV.dynamodb);
      throw err;
    }
  };
  let port: number;
  try {
    port = await listenOn(options.port);
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  return {
    port,
    endpoint: `http://${HOST}:${port}`,
    listener: {
      close: async () => void (await call('closeListener')),
      listen: async () => void (await listenOn(port)),
    },
    stop: async () => {
      await call('stop').catch(() => undefined);
      await worker.terminate();
    },
  };
}

type IndexProps = { IndexName: string; KeySchema: CreateTableCommandInput['KeySchema']; Projection: unknown };

/** CreateTable input from the template's table properties (only what dynalite understands). */
export function createTableInput(tableName: string, props: Record<string, unknown>): CreateTableCommandInput {
  const index = (i: IndexProps) => ({
    IndexName: i.IndexName,
    KeySchema: i.KeySchema,
    Projection: i.Projection as never,
  });
  const gsis = (props.GlobalSecondaryIndexes as IndexProps[] | undefined)?.map(index);
  const lsis = (props.LocalSecondaryIndexes as IndexProps[] | undefined)?.map(index);
  return {
    TableName: tableName,
    KeySchema: props.KeySchema as CreateTableCommandInput['KeySchema'],
    AttributeDefinitions: props.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    BillingMode: 'PAY_PER_REQUEST',
    ...(gsis?.length ? { GlobalSecondaryIndexes: gsis } : {}),
    ...(lsis?.length ? { LocalSecondaryIndexes: lsis } : {}),
  };
}

/** Creates every table of the template that does not exist yet; returns the local table names. */
export async function createTables(
  endpoint: string,
  resources: LocalResources,
  log: (line: string) => void,
): Promise<string[]> {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const names: string[] = [];
  try {
    for (const id of [...resources.ofType('AWS::DynamoDB::Table'), ...resources.ofType('AWS::DynamoDB::GlobalTable')]) {
      const name = resources.name(id);
      names.push(name);
      const props = resources.resource(id).Properties ?? {};
      const used = ['KeySchema', 'AttributeDefinitions', 'GlobalSecondaryIndexes', 'LocalSecondaryIndexes'].filter(
        (k) => props[k] !== undefined,
      );
      const input = createTableInput(
        name,
        resources.resolve(Object.fromEntries(used.map((k) => [k, props[k]]))) as Record<string, unknown>,
      );
      try {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
        const have = (Table?.GlobalSecondaryIndexes ?? [])
          .map((g) => g.IndexName)
          .sort()
          .join(',');
        const want = (input.GlobalSecondaryIndexes ?? [])
          .map((g) => g.IndexName)
          .sort()
          .join(',');
        if (have !== want)
          log(
            `dynamodb: table ${name} has indexes [${have}] but the stack defines [${want}]; start with --reset to recreate it`,
          );
        continue;
      } catch (err) {
        if (!(err instanceof ResourceNotFoundException)) throw err;
      }
      await client.send(new CreateTableCommand(input));
      await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.1, maxDelay: 0.5 } as never, {
        TableName: name,
      });
    }
  } finally {
    client.destroy();
  }
  return names;
}
