import { SecretsManagerSecret } from '../adapters/secrets-manager-secret';
import { SfnTimerScheduler } from '../adapters/sfn-timer-scheduler';
import { clients } from '../shared/clients';
import { suppressingMailer } from '../shared/mailer';
import { deliveryLedger, ticketRepository } from '../shared/tables';
import { deployment } from '../shared/deployment';
import { requireEnv } from '../shared/env';
import type { Context } from 'aws-lambda';
import { emitMetrics, invocationLogger, publishMetrics, resultLogKeys, timerMetrics } from '../shared/observability';
import { TIMER_STEPS } from '../domain/timers';
import { RunTicketTimer, type TimerStepInput, type TimerStepResult } from '../usecases/run-ticket-timer';

/**
 * What a Task state of the ticket timer passes (payloadResponseOnly: the payload is the event):
 * `run` one planned step, or `record-failure` from the catch after the retries gave up.
 */
export type TimerTaskInput =
  | ({ action: 'run' } & TimerStepInput)
  | ({ action: 'record-failure'; error?: string; cause?: string } & TimerStepInput);

let useCase: RunTicketTimer | undefined;

function runTicketTimer(): RunTicketTimer {
  if (useCase) return useCase;
  const { config, templates } = deployment();
  const secrets = new SecretsManagerSecret(clients.secrets(), requireEnv('REPLY_TOKEN_SECRET_ID'));
  useCase = new RunTicketTimer({
    config,
    templates,
    repository: ticketRepository(config),
    ledger: deliveryLedger(),
    mailer: suppressingMailer(),
    secrets,
    scheduler: new SfnTimerScheduler(clients.sfn(), requireEnv('TIMER_STATE_MACHINE_ARN')),
    webBaseUrl: process.env.WEB_BASE_URL || undefined,
  });
  return useCase;
}

function validStep(input: TimerTaskInput): void {
  if (typeof input.ticketId !== 'string' || !Number.isInteger(input.generation) || !TIMER_STEPS.includes(input.step)) {
    throw new Error(
      `bad timer input ${JSON.stringify(input).slice(0, 200)}: expected {ticketId, generation, step: ${TIMER_STEPS.join('|')}}`,
    );
  }
}

/** The Lambda task of the ticket timer state machine. Errors propagate: the state machine retries with backoff, then records the failure. */
export async function handler(
  input: TimerTaskInput,
  context?: Context,
): Promise<TimerStepResult | { ticketId: string; recorded: boolean }> {
  const log = invocationLogger(context).createChild({
    persistentKeys: { ticketId: input.ticketId, action: input.action, step: input.step, generation: input.generation },
  });
  validStep(input);
  switch (input.action) {
    case 'run': {
      const result = await runTicketTimer().execute(input);
      log.appendKeys(resultLogKeys(result));
      log.info(result.acted ? 'timer step acted' : 'timer step had nothing to do', { ...result });
      emitMetrics(timerMetrics(result));
      publishMetrics();
      return result;
    }
    case 'record-failure': {
      const recorded = await runTicketTimer().recordFailure(input);
      log.error('timer step failed after its retries', {
        error: input.error,
        cause: input.cause,
        recorded: recorded.recorded,
      });
      return recorded;
    }
    default:
      throw new Error(`unknown timer action ${JSON.stringify((input as { action?: unknown }).action)}`);
  }
}
