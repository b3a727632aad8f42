import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';

/** How often executions.json is written at most while executions change. */
const PERSIST_EVERY_MS = 200;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** epoch ms */
  startDate: number;
  stopDate?: number;
}

/**
 * `<stateDir>/executions.json`: every execution of the local Step Functions, so that a restarted stack
 * resumes the timers that were waiting. Changes are written at most every PERSIST_EVERY_MS and off the
 * event loop: the file holds every execution, so writing it whole and synchronously on each change
 * would cost time growing with the square of the executions, on the thread that runs the handlers'
 * glue. `close` writes what is pending synchronously, so a stopped stack leaves the file complete; a
 * crash loses at most the last moment.
 */
export class ExecutionFile {
  private timer?: NodeJS.Timeout;
  private dirty = false;
  private closed = false;
  private writing?: Promise<void>;

  /**
   * @param file the path of executions.json
   * @param records what the file holds, read at each write
   * @param log where a failed write is reported (the stack goes on without it)
   */
  constructor(
    private readonly file: string,
    private readonly records: () => ExecutionRecord[],
    private readonly log: (line: string) => void,
  ) {}

  /** The executions a previous run of the stack left, none when there is no file yet. */
  read(): ExecutionRecord[] {
    return existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as ExecutionRecord[]) : [];
  }

  /** Records that an execution changed: the file is written soon. */
  changed(): void {
    if (this.closed) return;
    this.dirty = true;
    this.timer ??= setTimeout(() => void this.write(), PERSIST_EVERY_MS);
  }

  /** Writes the file now, synchronously, and no more after that (the stack is stopping). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty && !this.writing) return;
    writeFileSync(`${this.file}.final.tmp`, this.snapshot());
    renameSync(`${this.file}.final.tmp`, this.file);
  }

  private async write(): Promise<void> {
    this.timer = undefined;
    if (!this.dirty || this.writing) return;
    this.dirty = false;
    const text = this.snapshot();
    this.writing = writeFile(`${this.file}.tmp`, text)
      // after close's synchronous write, an older snapshot must not replace it
      .then(() => (this.closed ? undefined : rename(`${this.file}.tmp`, this.file)))
      .catch((err: unknown) => this.log(`warning: could not write ${this.file}: ${(err as Error).message}`))
      .finally(() => {
        this.writing = undefined;
        // changes made while this write was under way
        if (this.dirty) this.changed();
      });
    await this.writing;
  }

  private snapshot(): string {
    return JSON.stringify(this.records(), null, 1);
  }
}
