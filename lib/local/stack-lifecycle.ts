import { once } from 'node:events';
import type { Activity } from './activity';
import type { Executions } from './sfn-executions';

/**
 * The stops of the stack's parts, run in the reverse order of their start: a part is stopped before
 * the parts it uses.
 */
export class Stoppers {
  private readonly stops: (() => Promise<void>)[] = [];

  push(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }

  /**
   * Awaits several start-ups; records the stop of each that started (so that stopping the stack stops
   * them, also after a failure) and rethrows the first error.
   */
  async startAll<T extends readonly Promise<{ stop(): Promise<void> }>[]>(
    starts: T,
  ): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
    const results = await Promise.allSettled(starts);
    for (const r of results) if (r.status === 'fulfilled') this.stops.push(() => r.value.stop());
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as never;
  }

  /** Runs every stop, last started first; a stop that fails does not keep the others from running. */
  async stopAll(): Promise<void> {
    for (const stop of this.stops.reverse()) await stop().catch(() => undefined);
    this.stops.length = 0;
  }
}

/**
 * Resolves when nothing is in flight (see `LocalStack.whenIdle`): with `timers`, also once every running
 * execution has finished. Rejects after `timeoutMs`, saying what is still in flight.
 */
export async function whenIdle(
  activity: Activity,
  executions: Executions,
  { timers = false, timeoutMs }: { timers?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  const settle = async () => {
    for (;;) {
      await activity.whenIdle();
      if (!timers || executions.runningCount === 0) return;
      await once(executions, 'execution');
    }
  };
  if (timeoutMs === undefined) return settle();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `local stack not idle after ${timeoutMs} ms: ${activity.inFlight} unit(s) in flight, ${executions.runningCount} execution(s) running`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([settle(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
