import type { TimerPlan } from '../domain/timers';

/** Runs a ticket's timer steps (Step Functions executions in AWS and in the local stack). */
export interface TimerScheduler {
  /** Starts the wait for one planned step. Idempotent: the same plan twice is one execution, a plan that already ran is not run again. */
  schedule(ticketId: string, plan: TimerPlan): Promise<void>;
  /** Stops the wait of a superseded plan. Best effort: the step would find its generation outdated anyway. */
  cancel(ticketId: string, plan: TimerPlan): Promise<void>;
}
