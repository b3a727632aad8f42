import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException, waitUntilTableExists, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { LocalResources } from './cfn';
import { LOCAL_REGION } from './cfn';
import { closeHttpServer, HOST, listen } from './listen';

/**
 * DynamoDB: dynalite in-process, persisted (LevelDB) under `<stateDir>/dynamodb`. Tables are created
 * from the synthesised `AWS::DynamoDB::Table` (or `GlobalTable`) properties: key schema, attribute
 * definitions, GSIs and LSIs. dynalite has no TTL and no TransactWriteItems (TOOLCHAIN.md): the
 * `TimeToLiveSpecification` is skipped, and items with `expiresAt` simply stay.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

export interface LocalDynamo {
  port: number;
  endpoint: string;
  /** the HTTP server (the fault hooks close and reopen it, see faults.ts) */
  server: Server;
  stop(): Promise<void>;
}

export async function startDynamo(options: { dir: string; port: number }): Promise<LocalDynamo> {
  mkdirSync(options.dir, { recursive: true });
  const server = dynalite({ path: options.dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await listen(server, options.port, 'dynamodb');
  return { port, endpoint: `http://${HOST}:${port}`, server, stop: () => closeHttpServer(server) };
}

type IndexProps = { IndexName: string; KeySchema: CreateTableCommandInput['KeySchema']; Projection: unknown };

/** CreateTable input from the template's table properties (only what dynalite understands). */
export function createTableInput(tableName: string, props: Record<string, unknown>): CreateTableCommandInput {
  const index = (i: IndexProps) => ({ IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: i.Projection as never });
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
export async function createTables(endpoint: string, resources: LocalResources, log: (line: string) => void): Promise<string[]> {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const names: string[] = [];
  try {
    for (const id of [...resources.ofType('AWS::DynamoDB::Table'), ...resources.ofType('AWS::DynamoDB::GlobalTable')]) {
      const name = resources.name(id);
      names.push(name);
      const props = resources.resource(id).Properties ?? {};
      const used = ['KeySchema', 'AttributeDefinitions', 'GlobalSecondaryIndexes', 'LocalSecondaryIndexes'].filter((k) => props[k] !== undefined);
      const input = createTableInput(name, resources.resolve(Object.fromEntries(used.map((k) => [k, props[k]]))) as Record<string, unknown>);
      try {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
        const have = (Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName).sort().join(',');
        const want = (input.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName).sort().join(',');
        if (have !== want) log(`dynamodb: table ${name} has indexes [${have}] but the stack defines [${want}]; start with --reset to recreate it`);
        continue;
      } catch (err) {
        if (!(err instanceof ResourceNotFoundException)) throw err;
      }
      await client.send(new CreateTableCommand(input));
      await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.1, maxDelay: 0.5 } as never, { TableName: name });
    }
  } finally {
    client.destroy();
  }
  return names;
}
