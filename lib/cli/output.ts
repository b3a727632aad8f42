/** Writes one line to stdout (the command's result; progress and errors go to stderr). */
export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Writes one JSON object as one line (`--json` output: one object per line). */
export function printJson(value: unknown): void {
  print(JSON.stringify(value));
}

/**
 * Progress of a long operation, on stderr so stdout stays the result: on a terminal one line that
 * updates in place; elsewhere silent, unless forced (`--progress`), then one plain line per update.
 */
export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly enabled: boolean;
  private lastWidth = 0;
  private lastPlain = 0;

  constructor(
    private readonly label: string,
    options: { force?: boolean; stream?: NodeJS.WriteStream } = {},
  ) {
    const stream = options.stream ?? process.stderr;
    this.tty = Boolean(stream.isTTY);
    this.enabled = this.tty || Boolean(options.force);
    this.stream = stream;
  }

  /** Reports `done` of `total` (total unknown: undefined), with an optional detail. */
  update(done: number, total?: number, detail = ''): void {
    if (!this.enabled) return;
    const text = `${this.label}: ${done}${total !== undefined ? `/${total}` : ''}${detail ? ` ${detail}` : ''}`;
    if (this.tty) {
      this.stream.write(`\r${text.padEnd(this.lastWidth)}`);
      this.lastWidth = text.length;
      return;
    }
    // plain lines: at most one per 250 ms, and always the last one (finish)
    const now = Date.now();
    if (now - this.lastPlain < 250 && (total === undefined || done < total)) return;
    this.lastPlain = now;
    this.stream.write(`${text}\n`);
  }

  /** Ends the progress line (on a terminal: clears it, or replaces it by `summary`). */
  finish(summary?: string): void {
    if (!this.enabled) return;
    if (this.tty) this.stream.write(`\r${' '.repeat(this.lastWidth)}\r`);
    if (summary) this.stream.write(`${this.label}: ${summary}\n`);
  }
}
