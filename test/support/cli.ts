import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './fixtures';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `triage` as a user would (a separate process), against the stack whose state is in `home`. */
export function triage(home: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin', 'triage.js'), ...args],
      { cwd: ROOT, env: { ...process.env, TRIAGE_HOME: home, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Parses `--json` output: one JSON object per line. */
export function jsonLines<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as T);
}
