import type { Context, SNSEvent } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoSuppressionList } from '../adapters/dynamo-suppression-list';
import { clients, region } from '../shared/clients';
import { ticketRepository } from '../shared/tables';
import { deployment } from '../shared/deployment';
import { requireEnv } from '../shared/env';
import { logger, metrics } from '../shared/observability';
import { RecordSesFeedback, type FeedbackOutcome } from '../usecases/record-ses-feedback';

let useCase: RecordSesFeedback | undefined;

/** Wires the use case once per container. */
function recordSesFeedback(): RecordSesFeedback {
  if (useCase) return useCase;
  const { config } = deployment();
  const table = requireEnv('TICKETS_TABLE');
  useCase = new RecordSesFeedback({
    suppressions: new DynamoSuppressionList(clients.dynamo(), table),
    repository: ticketRepository(config),
    region: region(),
  });
  return useCase;
}

/**
 * SNS (SES bounce and complaint events of the configuration set) -> suppression list and a note on
 * the ticket. One use-case run per record; a record that fails throws after the others ran, so
 * Lambda retries the event (the use case is idempotent) and finally sends it to the DLQ.
 */
export async function handler(event: SNSEvent, context?: Context): Promise<FeedbackOutcome[]> {
  if (context) logger.addContext(context);
  const outcomes: FeedbackOutcome[] = [];
  const failures: { id: string; error: unknown }[] = [];
  for (const record of event.Records ?? []) {
    const id = record.Sns?.MessageId ?? '(no SNS message id)';
    logger.appendKeys({ snsMessageId: id });
    try {
      const outcome = await recordSesFeedback().execute(record.Sns?.Message ?? '');
      outcomes.push(outcome);
      if (outcome.outcome === 'recorded') {
        logger.info('SES feedback recorded', { ...outcome });
        metrics.addMetric(outcome.kind === 'bounce' ? 'ses_bounces' : 'ses_complaints', MetricUnit.Count, 1);
        const suppressed = outcome.recipients.filter((r) => r.action === 'suppressed').length;
        if (suppressed > 0) metrics.addMetric('addresses_suppressed', MetricUnit.Count, suppressed);
      } else {
        logger.info('SNS message ignored', { reason: outcome.reason });
      }
    } catch (error) {
      failures.push({ id, error });
      logger.error('SES feedback failed; the event will be retried', { error: error as Error });
      metrics.addMetric('feedback_failed', MetricUnit.Count, 1);
    } finally {
      logger.removeKeys(['snsMessageId']);
    }
  }
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  if (failures.length > 0) {
    throw new Error(
      `failed to record SES feedback of SNS message(s) ${failures.map((f) => f.id).join(', ')}: ${failures.map((f) => (f.error as Error)?.message ?? String(f.error)).join('; ')}`,
    );
  }
  return outcomes;
}
