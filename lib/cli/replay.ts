import type { S3Event } from 'aws-lambda';
import { encodeS3EventKey } from '../local/s3-event';
import type { ObjectOutcome } from '../../functions/ports';
import { InboundFailure, type DeadLetter, type Target } from './targets/target';
import type { Progress } from './output';

/**
 * `triage replay`: runs the inbound function again on raw mail that is already in the bucket. The use
 * case is idempotent (a claim per mail and per side effect), so a replay finishes what a failed run left
 * undone and never sends a second acknowledgement; an object already handled comes back `duplicate`.
 */

/** One line of `triage replay` output (JSON). */
export interface ReplayLine {
  key: string | null;
  outcome: ObjectOutcome['outcome'] | 'failed';
  ticketId: string | null;
  department: string | null;
  reason: string;
  /** the dead letter it came from (`--dlq`): a local file name or an SQS message id */
  deadLetter?: string;
}

/** The ObjectCreated event S3 would send for `key` (keys URL-encoded as S3 does, `eventTime` = when it was stored). */
export function s3EventFor(bucket: string, key: string, storedAt: Date, region: string): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: storedAt.toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'triage-replay' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'triage-replay', 'x-amz-id-2': 'triage-replay' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'triage-replay',
          bucket: { name: bucket, ownerIdentity: { principalId: 'triage-replay' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodeS3EventKey(key), size: 0, eTag: '', sequencer: '0' },
        },
      },
    ],
  };
}

/** The decoded object keys an event names. */
export function keysOf(event: S3Event | undefined): string[] {
  return (event?.Records ?? []).map((r) => decodeURIComponent(String(r.s3?.object?.key ?? '').replace(/\+/g, ' ')));
}

const toLine = (o: ObjectOutcome, deadLetter?: string): ReplayLine => ({
  key: o.key,
  outcome: o.outcome,
  ticketId: o.ticketId ?? null,
  department: o.department ?? null,
  reason: o.reason,
  ...(deadLetter ? { deadLetter } : {}),
});

const failed = (key: string | null, reason: string, deadLetter?: string): ReplayLine => ({
  key,
  outcome: 'failed',
  ticketId: null,
  department: null,
  reason,
  ...(deadLetter ? { deadLetter } : {}),
});

/** Replays one object of the raw-mail bucket. Errors reaching the function propagate; the function's own failure is a `failed` line. */
export async function replayKey(target: Target, key: string): Promise<ReplayLine[]> {
  const storedAt = await target.objectStoredAt(key);
  if (!storedAt) return [failed(key, `no object ${key} in the raw-mail bucket ${target.bucketName}`)];
  try {
    const outcomes = await target.invokeInbound(s3EventFor(target.bucketName, key, storedAt, target.region));
    return outcomes.map((o) => toLine(o));
  } catch (err) {
    if (err instanceof InboundFailure) return [failed(key, `the inbound function failed: ${err.message}`)];
    throw err;
  }
}

export interface DeadLetterRun {
  /** letters waiting when the run started */
  waiting: number;
  /** replayed and removed */
  replayed: number;
  /** failed again (left in the queue) or not replayable */
  failed: number;
}

/**
 * Replays every dead letter of the inbound function: each event is run again; on success the letter is
 * removed, on failure it stays (with its new error on the output line).
 */
export async function replayDeadLetters(
  target: Target,
  onLine: (line: ReplayLine) => void,
  progress?: Progress,
): Promise<DeadLetterRun> {
  const queue = target.deadLetters();
  const run: DeadLetterRun = { waiting: await queue.count(), replayed: 0, failed: 0 };
  let handled = 0;
  progress?.update(0, run.waiting, `from ${queue.location}`);
  for (;;) {
    const batch: DeadLetter[] = await queue.receive();
    if (batch.length === 0) break;
    for (const letter of batch) {
      const keys = keysOf(letter.event);
      if (!letter.event || keys.length === 0) {
        run.failed++;
        onLine(failed(null, `not an S3 event, left in place${letter.error ? ` (${letter.error})` : ''}`, letter.id));
      } else {
        try {
          const outcomes = await target.invokeInbound(letter.event);
          for (const o of outcomes) onLine(toLine(o, letter.id));
          await queue.remove(letter);
          run.replayed++;
        } catch (err) {
          if (!(err instanceof InboundFailure)) throw err;
          run.failed++;
          for (const key of keys) onLine(failed(key, `failed again, left in place: ${err.message}`, letter.id));
        }
      }
      handled++;
      progress?.update(handled, Math.max(run.waiting, handled));
    }
  }
  return run;
}
