import type { Ticket } from '../../functions/domain/ticket';
import { timerExecutionName, type TimerPlan } from '../../functions/domain/timers';

/** One pending timer step as `triage timers` shows it. */
export interface PendingTimer {
  ticketId: string;
  department: string;
  status: Ticket['status'];
  step: TimerPlan['step'];
  generation: number;
  /** when the step is planned (business time, ISO UTC) */
  at: string;
  /** the Step Functions execution waiting for it */
  execution: string;
  /** real milliseconds until it fires, with the target's time scale (negative: due, running now) */
  firesInMs: number;
}

/** The pending step of every ticket that has one, soonest first. */
export function pendingTimers(tickets: readonly Ticket[], now: Date, timeScale: number): PendingTimer[] {
  return tickets
    .filter((t): t is Ticket & { timer: TimerPlan } => Boolean(t.timer) && t.timer!.generation === (t.timerGeneration ?? 0))
    .map((t) => ({
      ticketId: t.id,
      department: t.department,
      status: t.status,
      step: t.timer.step,
      generation: t.timer.generation,
      at: t.timer.at,
      execution: timerExecutionName(t.id, t.timer),
      firesInMs: Math.round((Date.parse(t.timer.at) - now.getTime()) / timeScale),
    }))
    .sort((a, b) => a.at.localeCompare(b.at));
}

/** "in 3h 12m", "in 4.2 s", "due" */
export function formatFiresIn(ms: number): string {
  if (ms <= 0) return 'due';
  if (ms < 60_000) return `in ${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `in ${hours}h ${minutes % 60}m` : `in ${(hours / 24).toFixed(1)} days`;
}
