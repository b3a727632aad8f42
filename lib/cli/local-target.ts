import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoTicketRepository } from '../../functions/adapters/dynamo-ticket-repository';
import { loadConfigFile } from '../config/load';
import type { TriageConfig } from '../../functions/domain/config';
import { CliError } from './errors';

/** What `npm start` writes to `<state dir>/stack.json` while it runs. */
export interface LocalStackDescription {
  pid: number;
  region: string;
  endpoints: Record<'s3' | 'dynamodb' | 'ses' | 'secretsmanager' | 'sfn' | 'smtp', string>;
  tableName: string;
  bucketName: string;
  stateMachineArn?: string;
  outboxDir: string;
  configPath?: string;
}

/** The state directory of the local stack: `TRIAGE_HOME`, else `.triage/` in the current directory. */
export function stateDir(): string {
  return resolve(process.env.TRIAGE_HOME ?? join(process.cwd(), '.triage'));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A running local stack and clients for it. */
export class LocalTarget {
  readonly dynamo: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly config: TriageConfig;
  readonly repository: DynamoTicketRepository;

  private constructor(readonly stack: LocalStackDescription) {
    const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    this.dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region: stack.region, endpoint: stack.endpoints.dynamodb, credentials }), { marshallOptions: { removeUndefinedValues: true } });
    this.s3 = new S3Client({ region: stack.region, endpoint: stack.endpoints.s3, credentials, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    this.config = loadConfigFile(stack.configPath ?? 'triage.config.yaml');
    this.repository = new DynamoTicketRepository(this.dynamo, stack.tableName, this.config.departments.map((d) => d.name));
  }

  /**
   * Finds the running local stack.
   * @throws CliError when none runs (with the command that starts one).
   */
  static open(): LocalTarget {
    const file = join(stateDir(), 'stack.json');
    if (!existsSync(file)) throw new CliError(`no local stack is running (no ${file}); start one with \`npm start\``);
    const stack = JSON.parse(readFileSync(file, 'utf8')) as LocalStackDescription;
    if (!isAlive(stack.pid)) throw new CliError(`the local stack (pid ${stack.pid}) is not running any more; start it with \`npm start\``);
    return new LocalTarget(stack);
  }
}
