import type { Department } from './config';
import { currentDueAt, type Ticket, type TicketStatus, type TimerPlan, type TimerStep } from './ticket';
import { addBusinessDays, addBusinessHours } from './turnaround';

/**
 * The timed steps of a ticket, as plans. A ticket has at most one pending step (`ticket.timer`);
 * each step, when it acts, plans the next one. Everything that moves the timers (an agent's answer,
 * the customer writing again, a status command) starts a new generation, and a step of an older
 * generation does nothing when it fires. Pure: the timer use case and the conversation apply it.
 *
 *   awaiting an agent:       warn (share of target) -> escalate (target)
 *   waiting on the customer: follow-up (N business days) -> auto-close (quiet business days)
 *   closed by an agent:      survey (at once)          auto-close carries the survey itself
 */

export { TIMER_STEPS, type TimerPlan, type TimerStep } from './ticket';

/** The execution name of a plan: deterministic, so starting it twice is harmless. */
export function timerExecutionName(ticketId: string, plan: Pick<TimerPlan, 'generation' | 'step'>): string {
  return `${ticketId}-g${plan.generation}-${plan.step}`;
}

/** The status a step acts on; in any other status it does nothing. */
const STEP_STATUS: Record<TimerStep, TicketStatus> = {
  warn: 'open',
  escalate: 'open',
  'follow-up': 'waiting',
  'auto-close': 'waiting',
  survey: 'closed',
};

/**
 * Whether a step still applies to the ticket as it is now.
 * @returns undefined when it does, otherwise why not (written to the log and the execution output).
 */
export function whyNotDue(ticket: Ticket | undefined, step: TimerStep, generation: number): string | undefined {
  if (!ticket) return 'the ticket does not exist';
  const current = ticket.timerGeneration ?? 0;
  if (generation !== current) return `superseded: the timers moved (generation ${generation}, now ${current})`;
  if (ticket.status !== STEP_STATUS[step])
    return `the ticket is ${ticket.status}; ${step} applies to ${STEP_STATUS[step]} tickets`;
  return undefined;
}

/** Plan while the ticket awaits an agent's response due at `dueAt`: a warning first when configured. */
export function awaitingResponsePlan(dept: Department, generation: number, since: Date, dueAt: Date): TimerPlan {
  const share = dept.timers.warnAtShare;
  if (share > 0) {
    const warnAt = addBusinessHours(since, dept.firstResponseHours * share, dept.businessHours);
    if (warnAt.getTime() > since.getTime() && warnAt.getTime() < dueAt.getTime())
      return { generation, step: 'warn', at: warnAt.toISOString() };
  }
  return { generation, step: 'escalate', at: dueAt.toISOString() };
}

/** Plan while the ticket waits on the customer since `since`: the follow-up, or straight the auto-close, or nothing. */
export function waitingPlan(dept: Department, generation: number, since: Date): TimerPlan | undefined {
  const { followUpAfterBusinessDays, autoCloseAfterBusinessDays } = dept.timers;
  if (followUpAfterBusinessDays > 0)
    return {
      generation,
      step: 'follow-up',
      at: addBusinessDays(since, followUpAfterBusinessDays, dept.businessHours).toISOString(),
    };
  if (autoCloseAfterBusinessDays > 0)
    return {
      generation,
      step: 'auto-close',
      at: addBusinessDays(since, autoCloseAfterBusinessDays, dept.businessHours).toISOString(),
    };
  return undefined;
}

/** What follows a step that acted at `now`. */
export function planAfter(step: TimerStep, ticket: Ticket, dept: Department, now: Date): TimerPlan | undefined {
  const generation = ticket.timerGeneration ?? 0;
  switch (step) {
    case 'warn':
      return { generation, step: 'escalate', at: currentDueAt(ticket) };
    case 'follow-up':
      return dept.timers.autoCloseAfterBusinessDays > 0
        ? {
            generation,
            step: 'auto-close',
            at: addBusinessDays(now, dept.timers.autoCloseAfterBusinessDays, dept.businessHours).toISOString(),
          }
        : undefined;
    default:
      return undefined;
  }
}

/** When the next response is due and what the customer is promised, counted from `since`. */
export function responseDue(dept: Department, since: Date): { dueAt: Date; promisedAt: Date } {
  const dueAt = addBusinessHours(since, dept.firstResponseHours, dept.businessHours);
  // The promise is never earlier than the target: a margin of 0 promises the target itself. Business
  // time adds up, so the margin is added to the target rather than walking the calendar again.
  const promisedAt =
    dept.promiseMarginHours > 0 ? addBusinessHours(dueAt, dept.promiseMarginHours, dept.businessHours) : dueAt;
  return { dueAt, promisedAt };
}

/** What moved a ticket, besides its status. */
export interface TimerChange {
  /** An agent's answer went to the customer. */
  answered?: boolean;
  /** The ticket was closed by an agent's command (a survey follows), not automatically. */
  closedByAgent?: boolean;
}

/**
 * Moves the timers of a ticket that changed from `before` to `after` at `now`: a new generation and
 * its first plan when the ticket's waiting state changed, the same timers otherwise (a customer who
 * writes twice before anyone answered does not push the escalation back).
 * @returns the ticket with its timer fields set.
 */
export function retime(before: Ticket, after: Ticket, dept: Department, now: Date, change: TimerChange = {}): Ticket {
  const moved = after.status !== before.status || (change.answered && after.status === 'waiting');
  if (!moved) return after;
  const generation = (before.timerGeneration ?? 0) + 1;
  const next: Ticket = { ...after, timerGeneration: generation, timer: undefined };
  switch (after.status) {
    case 'open': {
      // the customer wrote on an answered, pending or closed ticket, or an agent reopened it: a response is due again
      const { dueAt, promisedAt } = responseDue(dept, now);
      return {
        ...next,
        responseDueAt: dueAt.toISOString(),
        promisedAt: promisedAt.toISOString(),
        waitingSince: undefined,
        timer: awaitingResponsePlan(dept, generation, now, dueAt),
      };
    }
    case 'waiting':
      return {
        ...next,
        waitingSince: now.toISOString(),
        followUpSentAt: undefined,
        timer: waitingPlan(dept, generation, now),
      };
    case 'closed':
      return {
        ...next,
        closedBy: change.closedByAgent ? 'agent' : next.closedBy,
        timer:
          change.closedByAgent && dept.timers.survey
            ? { generation, step: 'survey', at: now.toISOString() }
            : undefined,
      };
    default:
      // pending: waiting on someone else; no reminders until it moves again
      return next;
  }
}
