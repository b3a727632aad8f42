import type { AslState } from './sfn-definition';

/**
 * Time scale for the ticket timers. A Wait state's real duration is its remaining time divided by the
 * scale, computed when the Wait state is entered:
 *   Seconds / SecondsPath:        seconds * 1000 / timeScale
 *   Timestamp / TimestampPath:    max(0, timestamp - now) / timeScale
 * so with `--time-scale 3600` a ticket due in 8 hours is checked after 8 seconds; with 1 the waits are
 * real. The paths are read from the execution input (the ticket timer's Wait states read fields the
 * execution was started with, e.g. `$.dueAt`). Retry intervals are divided by the scale too.
 * The handlers themselves see the real clock: only the waiting is shortened.
 */

/** Largest delay setTimeout honours (about 24.8 days); longer waits are re-armed (see sfn-executions.ts). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Reads a simple JSONPath (`$`, `$.a.b`, `$.a[0]`, `$['a']`) from a value; undefined when absent or unsupported. */
export function readPath(value: unknown, path: string): unknown {
  if (!path.startsWith('$')) return undefined;
  const tokens = path.slice(1).match(/\.[^.[\]]+|\[\d+\]|\['[^']*'\]|\["[^"]*"\]/g) ?? [];
  if (tokens.join('') !== path.slice(1)) return undefined;
  let current = value;
  for (const token of tokens) {
    if (current === null || typeof current !== 'object') return undefined;
    const key = token.startsWith('.')
      ? token.slice(1)
      : token.startsWith("['") || token.startsWith('["')
        ? token.slice(2, -2)
        : Number(token.slice(1, -1));
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** Real milliseconds a Wait state should sleep, or undefined when its time cannot be read from the input. */
export function scaledWaitMs(state: AslState, input: unknown, timeScale: number, now = Date.now()): number | undefined {
  let seconds: number | undefined;
  let timestamp: string | undefined;
  if (typeof state.Seconds === 'number') seconds = state.Seconds;
  else if (typeof state.SecondsPath === 'string') {
    const v = readPath(input, state.SecondsPath);
    if (typeof v === 'number') seconds = v;
  } else if (typeof state.Timestamp === 'string') timestamp = state.Timestamp;
  else if (typeof state.TimestampPath === 'string') {
    const v = readPath(input, state.TimestampPath);
    if (typeof v === 'string') timestamp = v;
  }
  if (seconds !== undefined) return Math.max(0, (seconds * 1000) / timeScale);
  if (timestamp !== undefined) {
    const at = Date.parse(timestamp);
    if (Number.isNaN(at)) return undefined;
    return Math.max(0, (at - now) / timeScale);
  }
  return undefined;
}

/** `retryIntervalOverrides` entry for a state: each retrier's IntervalSeconds divided by the scale (backoff is not scaled). */
export function scaledRetryIntervals(state: AslState, timeScale: number): number[] {
  return (state.Retry as { IntervalSeconds?: number }[]).map((r) => ((r.IntervalSeconds ?? 1) * 1000) / timeScale);
}

/** "8h 0m", "12.5 s" ... for log lines. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h ${minutes % 60}m` : `${(hours / 24).toFixed(1)} days`;
}
