import { DynamoTicketRepository } from '../adapters/dynamo-ticket-repository';
import { SecretsManagerSecret } from '../adapters/secrets-manager-secret';
import { SesMailer } from '../adapters/ses-mailer';
import { DynamoSuppressionList } from '../adapters/dynamo-suppression-list';
import { SuppressingMailer } from '../adapters/suppressing-mailer';
import { clients, region } from '../shared/clients';
import { deployment } from '../shared/deployment';
import { requireEnv } from '../shared/env';
import type { Context } from 'aws-lambda';
import { emitMetrics, invocationLogger, publishMetrics, resultLogKeys, timerMetrics } from '../shared/observability';
import { RunTicketTimer, type EscalationResult, type TicketCheck } from '../usecases/run-ticket-timer';

/** What a Task state of the ticket timer passes (payloadResponseOnly: the payload is the event). */
export type TimerTaskInput = { action: 'check'; ticketId: string } | { action: 'escalate'; ticketId: string };

let useCase: RunTicketTimer | undefined;

function runTicketTimer(): RunTicketTimer {
  if (useCase) return useCase;
  const { config, templates } = deployment();
  useCase = new RunTicketTimer({
    config,
    templates,
    repository: new DynamoTicketRepository(clients.dynamo(), requireEnv('TICKETS_TABLE'), config.departments.map((d) => d.name)),
    mailer: new SuppressingMailer(new SesMailer(clients.ses(), process.env.SES_CONFIGURATION_SET, region()), new DynamoSuppressionList(clients.dynamo(), requireEnv('TICKETS_TABLE'))),
    secrets: new SecretsManagerSecret(clients.secrets(), requireEnv('REPLY_TOKEN_SECRET_ID')),
  });
  return useCase;
}

/** The Lambda task of the ticket timer state machine. Errors propagate: the state machine retries with backoff. */
export async function handler(input: TimerTaskInput, context?: Context): Promise<TicketCheck | EscalationResult> {
  const log = invocationLogger(context).createChild({ persistentKeys: { ticketId: input.ticketId, action: input.action } });
  let result: TicketCheck | EscalationResult;
  switch (input.action) {
    case 'check':
      result = await runTicketTimer().check(input.ticketId);
      log.appendKeys(resultLogKeys(result));
      log.info('ticket checked', { ...result });
      break;
    case 'escalate':
      result = await runTicketTimer().escalate(input.ticketId);
      log.appendKeys(resultLogKeys(result));
      log.info('escalation step', { ...result });
      break;
    default:
      throw new Error(`unknown timer action ${JSON.stringify((input as { action?: unknown }).action)}`);
  }
  emitMetrics(timerMetrics(input.action, result));
  publishMetrics();
  return result;
}
