import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { relative, sep } from 'node:path';
import type { Activity } from './activity';
import { writeDeadLetter } from './dlq';
import { applyEnvironment } from './function-env';
import { lambdaContext } from './lambda-context';
import { REPO_ROOT } from './paths';

/**
 * Runs the handler modules in this process the way Lambda calls them: `handler(event, context)`,
 * with a JSON round trip on the way in and out (what crosses the Lambda boundary is JSON).
 * - `invoke` is a synchronous (RequestResponse) invocation: the error propagates (Step Functions tasks).
 * - `invokeAsync` is an asynchronous (Event) invocation like S3 notifications: queued, at most
 *   `concurrency` at a time, retried twice with backoff on error, then written to the local DLQ.
 * Lambda's timeout cannot stop code running in-process; an invocation that runs longer than the
 * function's Timeout is reported in the log instead.
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

type Handler = (event: unknown, context: unknown) => unknown;

declare const jest: { isolateModules(fn: () => void): void } | undefined;

const FUNCTIONS_DIR = `${REPO_ROOT}${sep}functions${sep}`;
let loadsInThisRegistry = 0;

/**
 * Loads a handler module the way each Lambda function gets its own container: every module of
 * `functions/` is loaded anew for each function (and for each stack started in this process), so two
 * functions do not share module state (loggers, cached use cases, SDK clients) and a restarted stack's
 * clients get the new endpoints. Under plain Node (tsx) that is done by dropping `functions/` from
 * `require.cache`; under jest (whose registry ignores `require.cache`) with `jest.isolateModules`.
 */
function loadModule(entry: string): Record<string, unknown> {
  let mod: Record<string, unknown> | undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = () => (mod = require(entry) as Record<string, unknown>);
  if (loadsInThisRegistry++ === 0) load();
  else if (typeof jest !== 'undefined' && jest) jest.isolateModules(load);
  else {
    for (const key of Object.keys(require.cache)) if (key.startsWith(FUNCTIONS_DIR) || key === entry) delete require.cache[key];
    load();
  }
  return mod!;
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(typeof err === 'string' ? err : JSON.stringify(err));
}

/** ` (at functions/x/y.ts:12:5)`: the first stack frame in this repository's own code. */
function whereThrown(err: Error | undefined): string {
  const frame = err?.stack
    ?.split('\n')
    .slice(1)
    .find((line) => line.includes(REPO_ROOT) && !line.includes('node_modules') && !line.includes(`${sep}lib${sep}local${sep}`));
  const match = frame && /\(?([^()\s]+:\d+:\d+)\)?\s*$/.exec(frame);
  return match ? ` (at ${relative(REPO_ROOT, match[1])})` : '';
}

/** Fields worth one log line, in this order, when a handler returns an object (or a list of them). */
const SUMMARY_FIELDS = ['outcome', 'statusCode', 'status', 'ticketId', 'department', 'answered', 'escalated', 'reason'];

function summariseOne(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return JSON.stringify(value);
  const v = value as Record<string, unknown>;
  const parts = SUMMARY_FIELDS.filter((k) => v[k] !== undefined && v[k] !== null).map((k) => (k === 'outcome' ? String(v[k]) : `${k}=${typeof v[k] === 'string' ? v[k] : JSON.stringify(v[k])}`));
  return parts.length ? parts.join(' ') : JSON.stringify(value);
}

/** One compact line for a handler result: its outcome fields when it has some, else its JSON (cut). */
function summarise(value: unknown): string {
  if (value === undefined || value === null) return 'ok';
  const text = Array.isArray(value) ? value.map(summariseOne).join('; ') : typeof value === 'string' ? value : summariseOne(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

export class LocalLambda extends EventEmitter {
  private readonly functions = new Map<string, LocalFunction & { handler?: Handler }>();
  private readonly queue: (() => void)[] = [];
  private running = 0;

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
    },
  ) {
    super();
    for (const f of options.functions) this.functions.set(f.logicalId, { ...f });
  }

  /**
   * Imports every handler module now. The shared environment must already be set; `ownEnvironment`
   * (each function's own variables) is put in place while its module loads, then the shared one is back.
   */
  load(ownEnvironment: (logicalId: string) => Record<string, string> = () => ({})): void {
    for (const f of this.functions.values()) {
      const restore = applyEnvironment(ownEnvironment(f.logicalId));
      let mod: Record<string, unknown>;
      try {
        mod = loadModule(f.entry);
      } finally {
        restore();
      }
      const handler = mod[f.handlerName];
      if (typeof handler !== 'function') {
        throw new Error(`${relative(REPO_ROOT, f.entry)} does not export a function "${f.handlerName}"`);
      }
      f.handler = handler as Handler;
    }
  }

  fn(logicalId: string): LocalFunction {
    const f = this.functions.get(logicalId);
    if (!f) throw new Error(`no local function ${logicalId}`);
    return f;
  }

  /** Synchronous invocation: resolves with the JSON result, rejects with the handler's error. */
  async invoke(logicalId: string, event: unknown, label: string, attempt = 1): Promise<unknown> {
    const f = this.functions.get(logicalId);
    if (!f?.handler) throw new Error(`function ${logicalId} is not loaded`);
    const end = this.options.activity.begin();
    const requestId = randomUUID();
    const started = Date.now();
    const payload = JSON.parse(JSON.stringify(event ?? null));
    try {
      const raw = await f.handler(payload, lambdaContext(f, requestId));
      const result = raw === undefined ? null : JSON.parse(JSON.stringify(raw));
      const durationMs = Date.now() - started;
      this.record({ function: f.name, logicalId, label, event: payload, requestId, attempt, ok: true, result, durationMs }, f);
      return result;
    } catch (err) {
      const e = toError(err);
      const durationMs = Date.now() - started;
      this.record({ function: f.name, logicalId, label, event: payload, requestId, attempt, ok: false, error: { errorType: e.name, errorMessage: e.message }, durationMs }, f, e);
      throw e;
    } finally {
      end();
    }
  }

  /** Asynchronous invocation (S3 notification): returns at once; retries, then dead-letters. */
  invokeAsync(logicalId: string, event: unknown, label: string): void {
    const end = this.options.activity.begin();
    const base = this.options.retryDelaysMs?.length ? this.options.retryDelaysMs : [1000, 2000];
    const delays = Array.from({ length: this.fn(logicalId).asyncRetries }, (_, i) => base[Math.min(i, base.length - 1)]);
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
          this.options.log(`${this.fn(logicalId).label}  ${label}  FAILED after ${attempt} attempts -> ${relative(process.cwd(), file) || file}`);
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
    const slow = rec.durationMs > f.timeoutSeconds * 1000 ? `  (longer than the function's ${f.timeoutSeconds} s timeout: Lambda would have stopped it)` : '';
    const outcome = rec.ok ? summarise(rec.result) : `ERROR ${rec.error!.errorType}: ${rec.error!.errorMessage}${whereThrown(err)}`;
    this.options.log(`${f.label}  ${rec.label}  ${outcome}  ${rec.durationMs} ms${slow}`);
    if (err?.stack && this.options.verbose) this.options.log(err.stack);
    this.emit('invocation', rec);
  }
}
