import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { S3Event } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoCustomerDirectory } from '../../../functions/adapters/dynamo-customer-directory';
import { DynamoQuarantine } from '../../../functions/adapters/dynamo-quarantine';
import { DynamoDeliveryLedger } from '../../../functions/adapters/dynamo-delivery-ledger';
import { DynamoTicketRepository } from '../../../functions/adapters/dynamo-ticket-repository';
import type { TriageConfig } from '../../../functions/domain/config';
import type { ObjectOutcome } from '../../../functions/ports';
import { loadConfigFile } from '../../config/load';
import { CliError, noteTarget } from '../errors';
import { localHandler, localInboundHandler } from './local-invoke';
import type { WeeklyReportRequest, WeeklyReportResult } from '../../../functions/usecases/run-weekly-report';
import { type DeadLetter, type DeadLetterQueue, ReportFailure, type Target } from './target';
import { localStateDir } from '../../local/paths';
import { isProcessAlive, type StackFile } from '../../local/stack-file';
import { objectStoredAt } from './object-stored-at';

/**
 * The local dead-letter queue: `<state dir>/dlq/*.json`, one file per event a function failed on
 * (the event and the last error). Only the inbound function's letters (S3 events) are this queue's;
 * another function's (an SNS event for the feedback function) are left alone.
 */
class LocalDeadLetters implements DeadLetterQueue {
  private handedOut = new Set<string>();
  constructor(readonly location: string) {}

  private read(): DeadLetter[] {
    if (!existsSync(this.location)) return [];
    const letters: DeadLetter[] = [];
    for (const file of readdirSync(this.location)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      let entry: {
        event?: { Records?: { s3?: unknown; eventSource?: string }[] };
        error?: { errorType?: string; errorMessage?: string } | string;
        failedAt?: string;
      };
      try {
        entry = JSON.parse(readFileSync(join(this.location, file), 'utf8'));
      } catch (err) {
        letters.push({ id: file, error: `unreadable dead-letter file: ${(err as Error).message}` });
        continue;
      }
      const records = entry.event?.Records;
      if (Array.isArray(records) && records.length > 0 && !records.every((r) => r?.s3)) continue; // another function's
      const error =
        typeof entry.error === 'string'
          ? entry.error
          : entry.error
            ? `${entry.error.errorType ?? 'Error'}: ${entry.error.errorMessage ?? ''}`
            : undefined;
      letters.push({
        id: file,
        event: Array.isArray(records) && records.length > 0 ? (entry.event as S3Event) : undefined,
        error,
        failedAt: entry.failedAt,
      });
    }
    return letters;
  }

  async count(): Promise<number> {
    return this.read().length;
  }

  async receive(): Promise<DeadLetter[]> {
    const batch = this.read()
      .filter((l) => !this.handedOut.has(l.id))
      .slice(0, 10);
    for (const l of batch) this.handedOut.add(l.id);
    return batch;
  }

  async remove(letter: DeadLetter): Promise<void> {
    rmSync(join(this.location, letter.id), { force: true });
  }
}

/** A running local stack and clients for it. */
export class LocalTarget implements Target {
  readonly kind = 'local' as const;
  readonly label = 'the local stack';
  readonly dynamo: DynamoDBDocumentClient;
  private s3Client?: S3Client;
  readonly config: TriageConfig;
  readonly repository: DynamoTicketRepository;
  /** Object outcomes (`triage ingest` waits for them). */
  readonly ledger: DynamoDeliveryLedger;
  readonly quarantine: DynamoQuarantine;
  readonly customers: DynamoCustomerDirectory;
  readonly departments: readonly string[];
  readonly bucketName: string;
  readonly region: string;
  readonly timeScale: number;
  private handler?: (event: S3Event) => Promise<ObjectOutcome[]>;

  private constructor(readonly stack: StackFile) {
    const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    this.dynamo = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: stack.region, endpoint: stack.endpoints.dynamodb, credentials }),
      { marshallOptions: { removeUndefinedValues: true } },
    );
    this.config = loadConfigFile(stack.configPath ?? 'triage.config.yaml');
    this.departments = this.config.departments.map((d) => d.name);
    this.repository = new DynamoTicketRepository(this.dynamo, stack.tableName, this.departments);
    this.ledger = new DynamoDeliveryLedger(this.dynamo, stack.tableName);
    this.quarantine = new DynamoQuarantine(this.dynamo, stack.tableName);
    this.customers = new DynamoCustomerDirectory(this.dynamo, stack.tableName);
    this.bucketName = stack.bucketName;
    this.region = stack.region;
    this.timeScale = stack.timeScale ?? 1;
  }

  /** The local S3 (s3rver accepts only its own credentials). */
  get s3(): S3Client {
    // loaded on use: listing tickets needs DynamoDB only
    const { S3Client } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
    return (this.s3Client ??= new S3Client({
      region: this.stack.region,
      endpoint: this.stack.endpoints.s3,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }));
  }

  /**
   * Finds the running local stack.
   * @throws CliError when none runs (with the command that starts one).
   */
  static open(): LocalTarget {
    const file = join(localStateDir(), 'stack.json');
    if (!existsSync(file))
      throw new CliError(
        `no local stack is running (no ${file}); start one with \`npm start\`, or pass --stack NAME for a deployed one`,
      );
    const stack = JSON.parse(readFileSync(file, 'utf8')) as StackFile;
    if (!isProcessAlive(stack.pid))
      throw new CliError(`the local stack (pid ${stack.pid}) is not running any more; start it with \`npm start\``);
    noteTarget({ kind: 'local' });
    return new LocalTarget(stack);
  }

  objectStoredAt(key: string): Promise<Date | undefined> {
    return objectStoredAt(this.s3, this.bucketName, key);
  }

  /**
   * Runs the inbound handler module in this process, with the environment the local stack gives it
   * (read from the synthesised stack, as `npm start` does) and the running stack's endpoints: the
   * same code on the same emulators, called synchronously so its outcome comes back here.
   */
  async invokeInbound(event: S3Event): Promise<ObjectOutcome[]> {
    this.handler ??= localInboundHandler(this.stack);
    return this.handler(event);
  }

  /**
   * Runs the report handler module in this process (as {@link invokeInbound} runs the inbound one):
   * the local stack has no EventBridge, so this is how its schedule's work is done locally.
   */
  async invokeWeeklyReport(request: WeeklyReportRequest): Promise<WeeklyReportResult> {
    const invoke = localHandler(this.stack, 'reportFunction');
    try {
      return (await invoke(request)) as WeeklyReportResult;
    } catch (err) {
      throw new ReportFailure((err as Error).message);
    }
  }

  deadLetters(): DeadLetterQueue {
    return new LocalDeadLetters(this.stack.dlqDir ?? join(localStateDir(), 'dlq'));
  }

  close(): void {
    this.dynamo.destroy();
    this.s3Client?.destroy();
  }
}
