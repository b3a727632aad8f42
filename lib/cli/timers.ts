import type { Ticket } from '../../functions/domain/ticket';
import { timerExecutionName, type TimerPlan } from '../../functions/domain/timers';
import { formatDuration } from '../local/sfn-time-scale';

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
    .filter(
      (t): t is Ticket & { timer: TimerPlan } => Boolean(t.timer) && t.timer!.generation === (t.timerGeneration ?? 0),
    )
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

/** "in 3h 12m", "in 4.2 s", "due": the local stack's own duration wording. */
export function formatFiresIn(ms: number): string {
  return ms <= 0 ? 'due' : `in ${formatDuration(ms)}`;
}
