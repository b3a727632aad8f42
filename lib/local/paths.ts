import { join, resolve } from 'node:path';

/** Root of the repository (this file is `lib/local/paths.ts`). */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/**
 * The state directory of the local stack, as `npm start` and the CLI find it: `$TRIAGE_HOME`, else
 * `.triage/` in the current directory.
 */
export function localStateDir(): string {
  return resolve(process.env.TRIAGE_HOME || '.triage');
}

/** Where everything the local stack keeps lives, below one state directory (`.triage/` by default). */
export interface StateLayout {
  root: string;
  /** dynalite's LevelDB files */
  dynamodb: string;
  /** s3rver's object files */
  s3: string;
  /** what the SES emulator was asked to send: `<seq>-<sesMessageId>.eml` + `.json` */
  outbox: string;
  /** failed asynchronous invocations after their retries: `<time>-<n>.json` */
  dlq: string;
  /** generated secret values, by secret name */
  secrets: string;
  /** Step Functions executions (running ones are resumed on start) */
  executions: string;
  /** describes the running stack for the CLI; removed on a clean stop */
  stackFile: string;
}

export function stateLayout(stateDir: string): StateLayout {
  const root = resolve(stateDir);
  return {
    root,
    dynamodb: join(root, 'dynamodb'),
    s3: join(root, 's3'),
    outbox: join(root, 'outbox'),
    dlq: join(root, 'dlq'),
    secrets: join(root, 'secrets.json'),
    executions: join(root, 'executions.json'),
    stackFile: join(root, 'stack.json'),
  };
}
