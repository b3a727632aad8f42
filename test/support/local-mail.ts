import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDeliveryLedger } from '../../functions/adapters/dynamo-delivery-ledger';
import { DynamoTicketRepository } from '../../functions/adapters/dynamo-ticket-repository';
import type { LocalStack, OutboxEntry } from '../../lib/local';
import { headerValues, parseHeaders, type HeaderField } from '../../lib/local/mail-headers';

/** Every port 0: an isolated stack on free ports. */
export const FREE_PORTS = { smtp: 0, s3: 0, dynamodb: 0, ses: 0, secretsmanager: 0, sfn: 0, web: 0 } as const;

/** Clients for a running local stack, as the CLI makes them (SDK v3 against the emulators). */
export function stackClients(stack: Pick<LocalStack, 'endpoints' | 'region' | 'tableName' | 'config'>) {
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const s3 = new S3Client({
    region: stack.region,
    endpoint: stack.endpoints.s3,
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const dynamo = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: stack.region, endpoint: stack.endpoints.dynamodb, credentials }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const repository = new DynamoTicketRepository(
    dynamo,
    stack.tableName,
    stack.config.departments.map((d) => d.name),
  );
  const ledger = new DynamoDeliveryLedger(dynamo, stack.tableName);
  return {
    s3,
    dynamo,
    repository,
    ledger,
    destroy: () => {
      s3.destroy();
      dynamo.destroy();
    },
  };
}

/**
 * Delivers raw bytes the way SES receiving does (and `triage ingest`): a put into the raw-mail bucket
 * under the receipt rule's prefix for `to`; the bucket's event runs the inbound function.
 * @returns the object key
 */
export async function putRawMail(
  stack: Pick<LocalStack, 'bucketName' | 'config'>,
  s3: S3Client,
  raw: Buffer,
  to: string,
): Promise<string> {
  const lower = to.toLowerCase();
  const id = randomBytes(20).toString('hex');
  const key = lower.endsWith(`@${stack.config.replyDomain}`) ? `replies/${id}` : `inbound/${lower}/${id}`;
  await s3.send(new PutObjectCommand({ Bucket: stack.bucketName, Key: key, Body: raw, ContentType: 'message/rfc822' }));
  return key;
}

/** A message of the outbox with the headers that matter for loops and acks. */
export interface SentMessage {
  entry: OutboxEntry;
  raw: Buffer;
  headers: HeaderField[];
  /** lower-cased envelope recipients */
  to: string[];
  from: string;
  subject: string;
  ticket?: string;
  autoSubmitted?: string;
}

/** Reads an outbox entry's bytes and headers. */
export function readSent(entry: OutboxEntry): SentMessage {
  const raw = readFileSync(entry.emlFile);
  const headers = parseHeaders(raw);
  const first = (name: string) => headerValues(headers, name)[0];
  return {
    entry,
    raw,
    headers,
    to: entry.destinations.map((d) => d.toLowerCase()),
    from: (entry.source ?? '').toLowerCase(),
    subject: first('Subject') ?? '',
    ticket: first('X-Triage-Ticket'),
    autoSubmitted: first('Auto-Submitted'),
  };
}

/** The outbox of a state directory (also of a stack running in another process). */
export function outboxOf(stateDir: string): OutboxEntry[] {
  const dir = join(stateDir, 'outbox');
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch {
    return [];
  }
  return files.map((f) => {
    const jsonFile = join(dir, f);
    return {
      ...(JSON.parse(readFileSync(jsonFile, 'utf8')) as Omit<OutboxEntry, 'seq' | 'emlFile' | 'jsonFile'>),
      seq: Number(f.split('-')[0]),
      jsonFile,
      emlFile: jsonFile.replace(/\.json$/, '.eml'),
    };
  });
}

/** Polls until `check` returns a value or the time is up. */
export async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Prints a block of figures once, unindented, so a README can quote it. */
export function report(title: string, lines: string[]): void {
  process.stdout.write(`\n=== ${title} ===\n${lines.join('\n')}\n\n`);
}
