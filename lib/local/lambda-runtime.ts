import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { join, relative, sep } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Activity } from './activity';
import { writeDeadLetter } from './dlq';
import { REPO_ROOT } from './paths';

/**
 * Runs the handler modules the way Lambda calls them: `handler(event, context)`, with a JSON round
 * trip on the way in and out (what crosses the Lambda boundary is JSON). Each function runs in a
 * worker thread of its own (function-worker.js), as each Lambda function has containers of its own:
 * its own environment, module state and SDK clients, and its work on a core beside the emulators.
 * - `invoke` is a synchronous (RequestResponse) invocation: the error propagates (Step Functions tasks).
 * - `invokeAsync` is an asynchronous (Event) invocation like S3 notifications: queued, at most
 *   `concurrency` at a time, retried twice with backoff on error, then written to the local DLQ.
 * An invocation that runs longer than the function's Timeout is reported in the log (Lambda would
 * have stopped it). A thread that dies (an uncaught error) fails the invocations it was running and
 * is started again for the next one, as Lambda replaces a crashed container.
 */

export interface LocalFunction {
  logicalId: string;
  /** physical (local) function name */
  name: string;
  /** short name for log lines: the handler's folder, e.g. `inbound` */
  label: string;
  arn: string;
  entry: string;
  handlerName: string;
  memoryMB: number;
  timeoutSeconds: number;
  /** retries of a failed asynchronous invocation (the template's EventInvokeConfig MaximumRetryAttempts; Lambda's default 2) */
  asyncRetries: number;
}

export interface InvocationRecord {
  function: string;
  logicalId: string;
  /** what the invocation was about: an S3 key, a task state name ... */
  label: string;
  /** the event the handler received (after the JSON round trip) */
  event: unknown;
  requestId: string;
  attempt: number;
  ok: boolean;
  result?: unknown;
  error?: { errorType: string; errorMessage: string };
  durationMs: number;
  /** set on the last failed attempt of an async invocation: the DLQ file */
  deadLetter?: string;
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(typeof err === 'string' ? err : JSON.stringify(err));
}

/** ` (at functions/x/y.ts:12:5)`: the first stack frame in this repository's own code. */
function whereThrown(err: Error | undefined): string {
  const frame = err?.stack
    ?.split('\n')
    .slice(1)
    .find(
      (line) =>
        line.includes(REPO_ROOT) && !line.includes('node_modules') && !line.includes(`${sep}lib${sep}local${sep}`),
    );
  const match = frame && /\(?([^()\s]+:\d+:\d+)\)?\s*$/.exec(frame);
  return match ? ` (at ${relative(REPO_ROOT, match[1])})` : '';
}

/** Fields worth one log line, in this order, when a handler returns an object (or a list of them). */
const SUMMARY_FIELDS = ['outcome', 'statusCode', 'status', 'ticketId', 'department', 'answered', 'escalated', 'reason'];

function summariseOne(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return JSON.stringify(value);
  const v = value as Record<string, unknown>;
  const parts = SUMMARY_FIELDS.filter((k) => v[k] !== undefined && v[k] !== null).map((k) =>
    k === 'outcome' ? String(v[k]) : `${k}=${typeof v[k] === 'string' ? v[k] : JSON.stringify(v[k])}`,
  );
  return parts.length ? parts.join(' ') : JSON.stringify(value);
}

/** One compact line for a handler result: its outcome fields when it has some, else its JSON (cut). */
function summarise(value: unknown): string {
  if (value === undefined || value === null) return 'ok';
  const text = Array.isArray(value)
    ? value.map(summariseOne).join('; ')
    : typeof value === 'string'
      ? value
      : summariseOne(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** A function's thread, once started: invocations in flight by id. */
interface FunctionThread {
  worker: Worker;
  ready: Promise<void>;
  pending: Map<number, { resolve(json: string): void; reject(err: Error): void }>;
}

/** An error thrown in a function's thread, rebuilt here with its name, message and stack. */
function rebuildError(e: { name: string; message: string; stack?: string }): Error {
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}

const WORKER_FILE = join(__dirname, 'function-worker.js');

export class LocalLambda extends EventEmitter {
  private readonly functions = new Map<string, LocalFunction>();
  private readonly threads = new Map<string, FunctionThread>();
  private environment: (logicalId: string) => Record<string, string> = () => ({});
  private readonly queue: (() => void)[] = [];
  private running = 0;
  private nextId = 0;
  private stopped = false;

  constructor(
    private readonly options: {
      functions: LocalFunction[];
      activity: Activity;
      log: (line: string) => void;
      dlqDir: string;
      /** delays before the retries of an async invocation, the last one repeated (Lambda waits about 1, then 2 minutes; default 1 s, 2 s) */
      retryDelaysMs?: number[];
      /**
       * Asynchronous invocations running at once. Lambda runs S3's asynchronous invocations side by
       * side up to the account's concurrency (1,000 by default); 4 made mails wait in a queue AWS does
       * not have (`npm run bench`, 8 mails in flight: e2e p95 588-665 ms with 4, 539-572 ms with 8).
       * @default 8
       */
      concurrency?: number;
      /** print full stack traces of handler errors */
      verbose?: boolean;
      /** modules each function thread loads before its handler module */
      preload?: string[];
    },
  ) {
    super();
    for (const f of options.functions) this.functions.set(f.logicalId, { ...f });
  }

  /**
   * Starts every function's thread and loads its handler module there; resolves when all are loaded,
   * rejects when one fails to load. `environment` is each function's whole environment (what Lambda
   * would give it: the template's variables and the SDK's endpoint variables).
   */
  async load(environment: (logicalId: string) => Record<string, string>): Promise<void> {
    this.environment = environment;
    await Promise.all([...this.functions.keys()].map((id) => this.thread(id).ready));
  }

  /** Stops every function's thread; invocations still running fail. */
  async stop(): Promise<void> {
    this.stopped = true;
    const threads = [...this.threads.values()];
    this.threads.clear();
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  private thread(logicalId: string): FunctionThread {
    const existing = this.threads.get(logicalId);
    if (existing) return existing;
    const f = this.fn(logicalId);
    const worker = new Worker(WORKER_FILE, {
      env: this.environment(logicalId),
      workerData: {
        entry: f.entry,
        handlerName: f.handlerName,
        preload: this.options.preload ?? [],
        fn: { name: f.name, arn: f.arn, memoryMB: f.memoryMB, timeoutSeconds: f.timeoutSeconds },
      },
      // not the parent's (the bench's --expose-gc, jest's or tsx's own flags): the thread registers tsx itself
      execArgv: [],
    });
    const pending: FunctionThread['pending'] = new Map();
    let settleReady: { resolve(): void; reject(err: Error): void } | undefined;
    const ready = new Promise<void>((resolve, reject) => (settleReady = { resolve, reject }));
    const thread: FunctionThread = { worker, ready, pending };
    const fail = (err: Error) => {
      if (this.threads.get(logicalId) === thread) this.threads.delete(logicalId);
      settleReady?.reject(err);
      for (const call of pending.values()) call.reject(err);
      pending.clear();
    };
    worker.on(
      'message',
      (msg: {
        type: string;
        id?: number;
        json?: string;
        error?: { name: string; message: string; stack?: string };
      }) => {
        if (msg.type === 'ready') return settleReady?.resolve();
        if (msg.type === 'load-failed') {
          fail(new Error(`${relative(REPO_ROOT, f.entry)} failed to load: ${msg.error!.message}`));
          // out of the pool already: stop() would not end it, and its message listener keeps it alive
          return void worker.terminate();
        }
        const call = pending.get(msg.id!);
        pending.delete(msg.id!);
        if (msg.error) call?.reject(rebuildError(msg.error));
        else call?.resolve(msg.json!);
      },
    );
    worker.on('error', (err) => {
      if (!this.stopped)
        this.options.log(
          `${f.label}  the function's thread died: ${err.message} (started again on the next invocation)`,
        );
      fail(err);
    });
    worker.on('exit', (code) =>
      fail(
        new Error(this.stopped ? 'the local stack stopped' : `the ${f.label} function's thread exited (code ${code})`),
      ),
    );
    this.threads.set(logicalId, thread);
    return thread;
  }

  private async call(logicalId: string, event: unknown, requestId: string): Promise<string> {
    if (this.stopped) throw new Error('the local stack stopped');
    const thread = this.thread(logicalId);
    await thread.ready;
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage({ type: 'invoke', id, event, requestId });
    });
  }

  fn(logicalId: string): LocalFunction {
    const f = this.functions.get(logicalId);
    if (!f) throw new Error(`no local function ${logicalId}`);
    return f;
  }

  /** Synchronous invocation: resolves with the JSON result, rejects with the handler's error. */
  async invoke(logicalId: string, event: unknown, label: string, attempt = 1): Promise<unknown> {
    const f = this.fn(logicalId);
    const end = this.options.activity.begin();
    const requestId = randomUUID();
    const started = Date.now();
    const payload = JSON.parse(JSON.stringify(event ?? null));
    try {
      const result = JSON.parse(await this.call(logicalId, payload, requestId));
      const durationMs = Date.now() - started;
      this.record(
        { function: f.name, logicalId, label, event: payload, requestId, attempt, ok: true, result, durationMs },
        f,
      );
      return result;
    } catch (err) {
      const e = toError(err);
      const durationMs = Date.now() - started;
      this.record(
        {
          function: f.name,
          logicalId,
          label,
          event: payload,
          requestId,
          attempt,
          ok: false,
          error: { errorType: e.name, errorMessage: e.message },
          durationMs,
        },
        f,
        e,
      );
      throw e;
    } finally {
      end();
    }
  }

  /** Asynchronous invocation (S3 notification): returns at once; retries, then dead-letters. */
  invokeAsync(logicalId: string, event: unknown, label: string): void {
    const end = this.options.activity.begin();
    const base = this.options.retryDelaysMs?.length ? this.options.retryDelaysMs : [1000, 2000];
    const delays = Array.from(
      { length: this.fn(logicalId).asyncRetries },
      (_, i) => base[Math.min(i, base.length - 1)],
    );
    const firstAttemptAt = new Date().toISOString();
    const attemptOnce = (attempt: number) =>
      this.withSlot(async () => {
        try {
          await this.invoke(logicalId, event, label, attempt);
          return end();
        } catch (err) {
          const e = toError(err);
          if (attempt <= delays.length) {
            const delay = delays[attempt - 1];
            this.options.log(`${this.fn(logicalId).label}  ${label}  retry ${attempt}/${delays.length} in ${delay} ms`);
            setTimeout(() => attemptOnce(attempt + 1), delay);
            return;
          }
          const file = writeDeadLetter(this.options.dlqDir, {
            functionName: this.fn(logicalId).name,
            requestId: randomUUID(),
            attempts: attempt,
            firstAttemptAt,
            failedAt: new Date().toISOString(),
            error: { errorType: e.name, errorMessage: e.message, stackTrace: e.stack?.split('\n') },
            event,
          });
          this.options.log(
            `${this.fn(logicalId).label}  ${label}  FAILED after ${attempt} attempts -> ${relative(process.cwd(), file) || file}`,
          );
          this.emit('deadLetter', { logicalId, label, file, error: { errorType: e.name, errorMessage: e.message } });
          end();
        }
      });
    attemptOnce(1);
  }

  private withSlot(task: () => Promise<void>): void {
    const run = () => {
      this.running++;
      task().finally(() => {
        this.running--;
        this.queue.shift()?.();
      });
    };
    if (this.running < (this.options.concurrency ?? 8)) run();
    else this.queue.push(run);
  }

  private record(rec: InvocationRecord, f: LocalFunction, err?: Error): void {
    const slow =
      rec.durationMs > f.timeoutSeconds * 1000
        ? `  (longer than the function's ${f.timeoutSeconds} s timeout: Lambda would have stopped it)`
        : '';
    const outcome = rec.ok
      ? summarise(rec.result)
      : `ERROR ${rec.error!.errorType}: ${rec.error!.errorMessage}${whereThrown(err)}`;
    this.options.log(`${f.label}  ${rec.label}  ${outcome}  ${rec.durationMs} ms${slow}`);
    if (err?.stack && this.options.verbose) this.options.log(err.stack);
    this.emit('invocation', rec);
  }
}
