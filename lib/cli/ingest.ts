import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { ObjectOutcome } from '../../functions/ports';
import { CliError } from './errors';
import type { LocalTarget } from './targets/local';
import { localStateDir } from '../local/paths';

/** One line of `triage ingest` output. */
export interface IngestResult {
  file: string;
  outcome: ObjectOutcome['outcome'] | 'failed';
  ticketId?: string;
  department?: string;
  reason: string;
  key: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The key the receipt rule for `address` writes to (one rule per address, see lib/constructs). */
export function objectKeyFor(target: LocalTarget, address: string): string {
  const id = randomBytes(20).toString('hex');
  const lower = address.toLowerCase();
  return lower.endsWith(`@${target.config.replyDomain}`) ? `replies/${id}` : `inbound/${lower}/${id}`;
}

/** Looks for the local dead-letter entry of a key (the handler failed after its retries). */
function deadLetterFor(key: string, dir = join(localStateDir(), 'dlq')): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const file of readdirSync(dir)) {
    const text = readFileSync(join(dir, file), 'utf8');
    if (text.includes(JSON.stringify(key).slice(1, -1)) || text.includes(encodeURIComponent(key))) {
      try {
        const entry = JSON.parse(text) as { error?: string | { message?: string } };
        return typeof entry.error === 'string' ? entry.error : (entry.error?.message ?? 'failed');
      } catch {
        return 'failed';
      }
    }
  }
  return undefined;
}

/**
 * Delivers a raw file the way SES does (a put into the raw-mail bucket under the receipt rule's
 * prefix; the bucket's event runs the inbound function) and waits for the recorded outcome.
 */
export async function ingestFile(
  target: LocalTarget,
  file: string,
  to: string,
  timeoutMs = 60_000,
): Promise<IngestResult> {
  let body: Buffer;
  try {
    body = readFileSync(file);
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const key = objectKeyFor(target, to);
  await target.s3.send(
    new PutObjectCommand({ Bucket: target.stack.bucketName, Key: key, Body: body, ContentType: 'message/rfc822' }),
  );
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const outcome = await target.ledger.getObjectOutcome(key);
    if (outcome)
      return {
        file: basename(file),
        outcome: outcome.outcome,
        ticketId: outcome.ticketId,
        department: outcome.department,
        reason: outcome.reason,
        key,
      };
    const failure = deadLetterFor(key, target.stack.dlqDir);
    if (failure)
      return {
        file: basename(file),
        outcome: 'failed',
        reason: `the inbound function failed after its retries: ${failure}`,
        key,
      };
    await sleep(50);
  }
  return {
    file: basename(file),
    outcome: 'failed',
    reason: `no outcome within ${timeoutMs / 1000} s (is the local stack processing mail?)`,
    key,
  };
}
