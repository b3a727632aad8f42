import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The local dead-letter queue of asynchronous invocations: one JSON file per event that still failed
 * after Lambda's two retries, `<stateDir>/dlq/<time>-<n>.json`, holding the event and the error, so it
 * can be read and replayed (the event is exactly what the function received).
 */
export interface DeadLetter {
  functionName: string;
  requestId: string;
  attempts: number;
  firstAttemptAt: string;
  failedAt: string;
  error: { errorType: string; errorMessage: string; stackTrace?: string[] };
  event: unknown;
}

let counter = 0;

export function writeDeadLetter(dir: string, letter: DeadLetter): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${letter.failedAt.replace(/[:.]/g, '-')}-${++counter}.json`);
  writeFileSync(file, JSON.stringify(letter, null, 2));
  return file;
}
