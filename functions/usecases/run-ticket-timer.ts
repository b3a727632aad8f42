import { randomUUID } from 'node:crypto';
import type { Department, TriageConfig } from '../domain/config';
import { composeEscalation } from '../domain/compose';
import {
  composeClosingNote,
  composeDueWarning,
  composeFollowUp,
  composeSurvey,
  type SurveyLinks,
} from '../domain/compose-timers';
import type { OutgoingMail } from '../domain/outgoing';
import { replyAddress } from '../domain/reply-token';
import type { TemplateRegistry } from '../domain/templates';
import { surveyUrls } from '../domain/web-links';
import { currentDueAt, type Ticket } from '../domain/ticket';
import { timerDedupeKey } from '../domain/delivery-key';
import { planAfter, timerExecutionName, whyNotDue, type TimerPlan, type TimerStep } from '../domain/timers';
import type { DeliveryLedger, DeliveryStep, Mailer, SecretSource, TicketRepository, TimerScheduler } from '../ports';
import { DeliverySteps } from './delivery-steps';
import { updateTicket } from './update-ticket';

export interface TimerDependencies {
  config: TriageConfig;
  templates: TemplateRegistry;
  repository: TicketRepository;
  /** The at-most-once record of each step's mail (`timer:<execution name>`). */
  ledger: DeliveryLedger;
  mailer: Mailer;
  secrets: SecretSource;
  scheduler: TimerScheduler;
  /** Public base URL of the web function (`WEB_BASE_URL`): the survey links point there. Without it, no survey. */
  webBaseUrl?: string;
  now?: () => Date;
}

/** What the state machine's task passes: one planned step. */
export interface TimerStepInput {
  ticketId: string;
  generation: number;
  step: TimerStep;
}

/** What one step did (the execution's output, and the log line). */
export interface TimerStepResult {
  ticketId: string;
  step: TimerStep;
  generation: number;
  /** The step changed the ticket (and sent its mail, unless `sent` says otherwise). */
  acted: boolean;
  sent: boolean;
  reason: string;
  department?: string;
  /** The step planned after this one. */
  next?: TimerPlan;
}

/** The delivery step (at-most-once bookkeeping) of each timer step's mail. */
const MAIL_STEP: Record<TimerStep, DeliveryStep> = {
  warn: 'warning',
  escalate: 'escalation',
  'follow-up': 'follow-up',
  'auto-close': 'closing',
  survey: 'survey',
};

/**
 * The ticket timer's steps. Each re-reads the ticket and does nothing when the timers moved on (a
 * newer generation) or the ticket is no longer in the state the step waited for: an escalation no
 * longer due never goes out. The mail goes first, at most once per execution (a retried task finds
 * it sent), then the ticket records the step and the next step is scheduled.
 *
 * Primary course (`execute`, one planned step):
 * 1. Read the ticket; stop when the step is no longer due (superseded, answered, closed) or its
 *    department is gone.
 * 2. Compose the step's mail (warning, escalation, follow-up, closing note, survey) and send it once
 *    (keyed by the execution: `timerDedupeKey`).
 * 3. Record the step on the ticket and plan the next one (optimistic concurrency: a ticket changed
 *    meanwhile is re-checked).
 * 4. Start the next step's timer.
 *
 * `recordFailure` is the state machine's catch path for the same step, a second entry point: it
 * notes on the ticket that the step failed after its retries.
 */
export class RunTicketTimer {
  private readonly now: () => Date;
  private readonly steps: DeliverySteps;

  constructor(private readonly deps: TimerDependencies) {
    this.now = deps.now ?? (() => new Date());
    this.steps = new DeliverySteps(deps.ledger, deps.repository, deps.mailer, this.now);
  }

  private department(ticket: Ticket): Department | undefined {
    return this.deps.config.departments.find((d) => d.name === ticket.department);
  }

  /** Runs one step. */
  async execute(input: TimerStepInput): Promise<TimerStepResult> {
    const { repository, scheduler } = this.deps;
    const { ticketId, generation, step } = input;
    const result = (
      acted: boolean,
      sent: boolean,
      reason: string,
      extra: Partial<TimerStepResult> = {},
    ): TimerStepResult => ({ ticketId, step, generation, acted, sent, reason, ...extra });

    const ticket = await repository.getTicket(ticketId);
    const notDue = whyNotDue(ticket, step, generation);
    if (notDue) return result(false, false, notDue, { department: ticket?.department });
    const dept = this.department(ticket!);
    if (!dept) return result(false, false, `department ${ticket!.department} is no longer configured`);

    const now = this.now();
    const mail = await this.compose(step, ticket!, dept, now);
    const sent = mail
      ? (
          await this.steps.sendOnce(
            timerDedupeKey(timerExecutionName(ticketId, input)),
            MAIL_STEP[step],
            [],
            () => mail,
          )
        ).sent
      : false;

    let next: TimerPlan | undefined;
    const { changed, ticket: after } = await updateTicket(repository, ticketId, (t) => {
      if (whyNotDue(t, step, generation)) return undefined; // the customer or an agent got there first
      next = planAfter(step, t, dept, now);
      return { ...this.apply(step, t, now), timer: next };
    });
    if (!changed)
      return result(
        false,
        sent,
        `${whyNotDue(after, step, generation) ?? 'nothing to change'}; the ticket changed while the step ran`,
        { department: dept.name },
      );
    if (next) await scheduler.schedule(ticketId, next);
    return result(true, sent, this.describe(step, after, dept, mail), { department: dept.name, next });
  }

  /** What a step changes on the ticket. */
  private apply(step: TimerStep, t: Ticket, now: Date): Ticket {
    const at = now.toISOString();
    switch (step) {
      case 'warn':
        return { ...t, warnedAt: at };
      case 'escalate':
        return { ...t, breached: true, escalatedAt: t.escalatedAt ?? at };
      case 'follow-up':
        return { ...t, followUpSentAt: at };
      case 'auto-close':
        return { ...t, status: 'closed', closedAt: at, closedBy: 'timer' };
      case 'survey':
        return t;
    }
  }

  private async compose(
    step: TimerStep,
    ticket: Ticket,
    dept: Department,
    now: Date,
  ): Promise<OutgoingMail | undefined> {
    const { config: cfg, templates } = this.deps;
    const base = {
      cfg,
      dept,
      ticket,
      templates,
      now,
      messageIdSeed: `${ticket.id.toLowerCase()}.${step}.${randomUUID()}`,
    };
    switch (step) {
      case 'warn':
        return composeDueWarning({ ...base, replyAddress: await this.replyAddressOf(ticket) });
      case 'escalate':
        return composeEscalation({ ...base, replyAddress: await this.replyAddressOf(ticket) });
      case 'follow-up':
        return composeFollowUp(base);
      case 'auto-close':
        return composeClosingNote({
          ...base,
          survey: dept.timers.survey ? await this.surveyLinks(ticket.id, now) : undefined,
        });
      case 'survey': {
        const survey = await this.surveyLinks(ticket.id, now);
        return survey ? composeSurvey({ ...base, survey }) : undefined;
      }
    }
  }

  private async surveyLinks(ticketId: string, now: Date): Promise<SurveyLinks | undefined> {
    const { webBaseUrl, config, secrets } = this.deps;
    return webBaseUrl
      ? surveyUrls(webBaseUrl, await secrets.replyTokenKey(), ticketId, now, config.web.surveyLinkDays)
      : undefined;
  }

  private async replyAddressOf(ticket: Ticket): Promise<string> {
    return replyAddress(await this.deps.secrets.replyTokenKey(), ticket.id, this.deps.config.replyDomain);
  }

  private describe(step: TimerStep, ticket: Ticket, dept: Department, mail: OutgoingMail | undefined): string {
    const to = mail ? [...mail.to, ...(mail.cc ?? [])].join(', ') : '';
    switch (step) {
      case 'warn':
        return `response due ${currentDueAt(ticket)}; warned ${to}`;
      case 'escalate':
        return `response due ${currentDueAt(ticket)} missed; marked breached, ${to} told`;
      case 'follow-up':
        return `follow-up to ${to}`;
      case 'auto-close':
        return `closed after ${dept.timers.autoCloseAfterBusinessDays} quiet business days; closing note to ${to}`;
      case 'survey':
        return mail ? `survey to ${to}` : 'no survey: the deployment has no web address for its links';
    }
  }

  /**
   * Records a step that failed after its retries (the state machine's catch): an internal entry on
   * the ticket, so `triage show` tells the operator; the failed execution raises the alarm.
   */
  async recordFailure(
    input: TimerStepInput & { error?: string; cause?: string },
  ): Promise<{ ticketId: string; recorded: boolean }> {
    const { repository } = this.deps;
    const ticket = await repository.getTicket(input.ticketId);
    if (!ticket) return { ticketId: input.ticketId, recorded: false };
    await repository.addMessage({
      ticketId: ticket.id,
      direction: 'in',
      kind: 'timer-failure',
      at: this.now().toISOString(),
      from: 'ticket timer',
      to: [],
      cc: [],
      subject: `Timer step ${input.step} (generation ${input.generation}) failed`,
      text: `${input.error ?? 'Error'}: ${(input.cause ?? '').slice(0, 2000)}`,
      textTruncated: false,
      attachments: [],
      internal: true,
    });
    return { ticketId: ticket.id, recorded: true };
  }
}
