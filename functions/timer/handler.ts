import { DynamoTicketRepository } from '../adapters/dynamo-ticket-repository';
import { SecretsManagerSecret } from '../adapters/secrets-manager-secret';
import { SesMailer } from '../adapters/ses-mailer';
import { clients, region } from '../shared/clients';
import { deployment } from '../shared/deployment';
import { requireEnv } from '../shared/env';
import { logger } from '../shared/observability';
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
    mailer: new SesMailer(clients.ses(), process.env.SES_CONFIGURATION_SET, region()),
    secrets: new SecretsManagerSecret(clients.secrets(), requireEnv('REPLY_TOKEN_SECRET_ID')),
  });
  return useCase;
}

/** The Lambda task of the ticket timer state machine. Errors propagate: the state machine retries with backoff. */
export async function handler(input: TimerTaskInput): Promise<TicketCheck | EscalationResult> {
  logger.appendKeys({ ticketId: input.ticketId, action: input.action });
  try {
    switch (input.action) {
      case 'check':
        return await runTicketTimer().check(input.ticketId);
      case 'escalate': {
        const result = await runTicketTimer().escalate(input.ticketId);
        logger.info('escalation step', { ...result });
        return result;
      }
      default:
        throw new Error(`unknown timer action ${JSON.stringify((input as { action?: unknown }).action)}`);
    }
  } finally {
    logger.removeKeys(['ticketId', 'action']);
  }
}
