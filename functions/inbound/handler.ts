import type { Context, S3Event } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoAutoReplyLimiter } from '../adapters/dynamo-auto-reply-limiter';
import { DynamoCustomerDirectory } from '../adapters/dynamo-customer-directory';
import { DynamoQuarantine } from '../adapters/dynamo-quarantine';
import { MailparserReader } from '../adapters/mailparser-reader';
import { S3AttachmentStore } from '../adapters/s3-attachment-store';
import { S3RawMailStore } from '../adapters/s3-raw-mail-store';
import { SecretsManagerSecret } from '../adapters/secrets-manager-secret';
import { SfnTimerScheduler } from '../adapters/sfn-timer-scheduler';
import type { ObjectOutcome } from '../ports';
import { clients } from '../shared/clients';
import { suppressingMailer } from '../shared/mailer';
import { deliveryLedger, ticketRepository } from '../shared/tables';
import { deployment } from '../shared/deployment';
import { requireEnv } from '../shared/env';
import {
  emitMetrics,
  invocationLogger,
  METRIC,
  outcomeLogKeys,
  outcomeMetrics,
  publishMetrics,
} from '../shared/observability';
import { ProcessInboundMail } from '../usecases/process-inbound-mail';

let useCase: ProcessInboundMail | undefined;

/** Wires the use case once per container. */
function processInboundMail(): ProcessInboundMail {
  if (useCase) return useCase;
  const { config, templates } = deployment();
  useCase = new ProcessInboundMail({
    config,
    templates,
    store: new S3RawMailStore(clients.s3(), requireEnv('RAW_MAIL_BUCKET')),
    reader: new MailparserReader(),
    repository: ticketRepository(config),
    ledger: deliveryLedger(),
    mailer: suppressingMailer(),
    timers: new SfnTimerScheduler(clients.sfn(), requireEnv('TIMER_STATE_MACHINE_ARN')),
    secrets: new SecretsManagerSecret(clients.secrets(), requireEnv('REPLY_TOKEN_SECRET_ID')),
    limiter: new DynamoAutoReplyLimiter(clients.dynamo(), requireEnv('TICKETS_TABLE'), config.autoReplyLimits),
    quarantine: new DynamoQuarantine(clients.dynamo(), requireEnv('TICKETS_TABLE')),
    customers: new DynamoCustomerDirectory(clients.dynamo(), requireEnv('TICKETS_TABLE')),
    attachments: new S3AttachmentStore(clients.s3(), requireEnv('RAW_MAIL_BUCKET'), config.attachmentLinkDays * 86_400),
    webBaseUrl: process.env.WEB_BASE_URL || undefined,
  });
  return useCase;
}

/** S3 writes keys URL-encoded, with `+` for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/**
 * S3 ObjectCreated -> one use-case run per record. A record that fails throws after the others
 * ran, so Lambda retries the event (records already handled come back as duplicates) and finally
 * sends it to the DLQ with the S3 key.
 */
export async function handler(event: S3Event, context?: Context): Promise<ObjectOutcome[]> {
  // A logger of this invocation (and one per record below): keys never leak between records or
  // between invocations that share a module (the local stack runs several at once).
  const invocationLog = invocationLogger(context);
  const outcomes: ObjectOutcome[] = [];
  const failures: { key: string; error: unknown }[] = [];
  for (const record of event.Records ?? []) {
    const key = decodeS3Key(record.s3.object.key);
    // The object name is the SES message id of the receipt: it ties every line to the raw mail.
    const log = invocationLog.createChild({
      persistentKeys: { s3Key: key, sesMessageId: key.slice(key.lastIndexOf('/') + 1) },
    });
    try {
      const outcome = await processInboundMail().execute({ key, arrivedAt: new Date(record.eventTime ?? Date.now()) });
      outcomes.push(outcome);
      log.appendKeys(outcomeLogKeys(outcome));
      log.info('mail processed', {
        outcome: outcome.outcome,
        reason: outcome.reason,
        from: outcome.from,
        subject: outcome.subject,
      });
      emitMetrics(outcomeMetrics(outcome));
    } catch (error) {
      failures.push({ key, error });
      log.error('mail failed; it stays in S3 and the event will be retried', { error: error as Error });
      emitMetrics([{ name: METRIC.mailsFailed, value: 1, unit: MetricUnit.Count }]);
    }
  }
  publishMetrics();
  if (failures.length > 0) {
    throw new Error(
      `failed to process ${failures.map((f) => f.key).join(', ')}: ${failures.map((f) => (f.error as Error)?.message ?? String(f.error)).join('; ')}`,
    );
  }
  return outcomes;
}
