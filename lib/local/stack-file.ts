import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * `<stateDir>/stack.json` tells the operator CLI where the running local stack is: its process, the
 * emulators' endpoints and the stack's resource names (read by lib/cli/targets/local.ts).
 * Written when the stack is ready, removed on a clean stop; a file left by a killed stack is
 * recognised by its dead pid.
 */
export interface StackFile {
  pid: number;
  region: string;
  endpoints: {
    s3: string;
    dynamodb: string;
    ses: string;
    secretsmanager: string;
    sfn: string;
    smtp: string;
    web?: string;
  };
  tableName: string;
  bucketName: string;
  stateMachineArn: string;
  outboxDir: string;
  /** the state directory itself */
  stateDir: string;
  dlqDir: string;
  replyTokenSecretId?: string;
  configPath: string;
  timeScale: number;
  startedAt: string;
}

export function writeStackFile(file: string, content: StackFile): void {
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
}

export function readStackFile(file: string): StackFile | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackFile;
  } catch {
    return undefined;
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The stack.json of another live process using this state directory, if any. */
export function liveStackFile(file: string): StackFile | undefined {
  const existing = readStackFile(file);
  return existing && existing.pid !== process.pid && isProcessAlive(existing.pid) ? existing : undefined;
}

/** Removes stack.json if it is ours. */
export function removeStackFile(file: string): void {
  const existing = readStackFile(file);
  if (existing && existing.pid === process.pid) rmSync(file, { force: true });
}
