import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { ObjectOutcome } from '../ports';
import { METRIC, type SuppressionReason } from './metric-names';

export { METRIC, SUPPRESSION_REASONS, type SuppressionReason } from './metric-names';

/**
 * Structured JSON logs (Powertools Logger) and CloudWatch metrics in the embedded metric format
 * (Powertools Metrics), one of each per container. Handlers log through a child logger per invocation
 * and per record ({@link invocationLogger}), which carries `ticketId`, `messageId` and `department`
 * once they are known, and turn each use-case result into metrics with {@link outcomeMetrics} /
 * {@link timerMetrics}: the use cases stay free of telemetry.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'email-triage' });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'EmailTriage',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'email-triage',
});

/** A logger for one invocation: the container's settings, this invocation's Lambda context. */
export function invocationLogger(context?: Context): Logger {
  const log = logger.createChild();
  if (context) log.addContext(context);
  return log;
}

/**
 * Facts a use case MAY add to its outcome; when present they make the metrics exact, when absent
 * the metrics are derived from `outcome` and `reason` alone.
 */
export interface OutcomeFacts {
  /** The mail's RFC 5322 Message-ID (logged as `messageId`). */
  messageId?: string;
  /** Mails sent in this run (`ack`, `agent-copy`, `relay` ...): a retry that skipped the ack does not count it twice. */
  sent?: string[];
  /** What kept the acknowledgement back: a gate signal (`auto-submitted` ...), `rate-limit` or `quarantine`. */
  suppressedBy?: string;
  /** For a relayed first answer: minutes since the customer's mail. */
  firstResponseMinutes?: number;
}

/** One metric data point; `dimensions` beyond `service` make it a metric of its own. */
export interface MetricPoint {
  name: string;
  value: number;
  unit: (typeof MetricUnit)[keyof typeof MetricUnit];
  dimensions?: Record<string, string>;
}

const SIGNAL_TO_REASON: Record<string, SuppressionReason> = {
  'auto-submitted': 'auto-submitted',
  'own-mail': 'own-mail',
  report: 'delivery-report',
  precedence: 'bulk',
  'mailing-list': 'mailing-list',
  'null-sender': 'null-sender',
  'machine-sender': 'machine-sender',
  'machine-subject': 'machine-subject',
  'rate-limit': 'rate-limit',
  limit: 'rate-limit',
  quarantine: 'quarantine',
  quarantined: 'quarantine',
};

/** Maps a gate signal (or a limit, or the quarantine) to one of the fixed {@link SUPPRESSION_REASONS}. */
export function suppressionReason(signal: string | undefined): SuppressionReason {
  if (!signal) return 'other';
  const s = signal.toLowerCase();
  if (SIGNAL_TO_REASON[s]) return SIGNAL_TO_REASON[s];
  if (s.startsWith('x-')) return 'auto-reply-header';
  if (/limit/.test(s)) return 'rate-limit';
  return 'other';
}

/** The signal of a suppressed outcome: `suppressedBy`, else what `machine mail (<signal>: ...)` names. */
function suppressionSignal(outcome: ObjectOutcome & OutcomeFacts): string | undefined {
  if (outcome.suppressedBy) return outcome.suppressedBy;
  if (outcome.quarantined) return 'quarantine';
  const machine = /^machine mail[^(]*\(([a-z0-9-]+):/i.exec(outcome.reason);
  if (machine) return machine[1];
  if (/\blimit\b/i.test(outcome.reason)) return 'rate-limit';
  return undefined;
}

const count = (name: string, dimensions?: Record<string, string>): MetricPoint => ({
  name,
  value: 1,
  unit: MetricUnit.Count,
  ...(dimensions ? { dimensions } : {}),
});

/** What one inbound outcome counts for. Pure: the handler emits the points. */
export function outcomeMetrics(outcome: ObjectOutcome & OutcomeFacts): MetricPoint[] {
  const points: MetricPoint[] = [count(METRIC.mailsReceived)];
  // Without `sent`: a new ticket was acknowledged unless its reason says a limit kept the ack back.
  const limited = /\bno acknowledgement: /i.test(outcome.reason);
  const ackSent = outcome.sent ? outcome.sent.includes('ack') : outcome.outcome === 'created' && !limited;
  if (ackSent) points.push(count(METRIC.acksSent));
  switch (outcome.outcome) {
    case 'duplicate':
      points.push(count(METRIC.duplicatesDropped));
      break;
    case 'rejected':
      points.push(count(METRIC.refusals));
      break;
    case 'relayed':
      points.push(count(METRIC.relays));
      break;
    case 'suppressed':
      points.push(count(METRIC.acksSuppressed, { reason: suppressionReason(suppressionSignal(outcome)) }));
      break;
    default:
      // a ticket created or appended to without an ack (a limit) still says why
      if (!ackSent && (outcome.suppressedBy || limited))
        points.push(count(METRIC.acksSuppressed, { reason: suppressionReason(outcome.suppressedBy ?? 'rate-limit') }));
  }
  if (typeof outcome.firstResponseMinutes === 'number' && Number.isFinite(outcome.firstResponseMinutes)) {
    points.push({ name: METRIC.firstResponseMinutes, value: outcome.firstResponseMinutes, unit: MetricUnit.NoUnit });
  }
  return points;
}

/** What one ticket-timer step counts for. */
export function timerMetrics(result: { step: string; acted: boolean; sent: boolean }): MetricPoint[] {
  if (!result.acted) return [];
  switch (result.step) {
    case 'escalate':
      // the breach counts even when the lead's mail was suppressed (a bounced lead address)
      return [...(result.sent ? [count(METRIC.escalations)] : []), count(METRIC.slaBreached)];
    case 'warn':
      return result.sent ? [count(METRIC.dueWarnings)] : [];
    case 'follow-up':
      return result.sent ? [count(METRIC.followUps)] : [];
    case 'auto-close':
      return [count(METRIC.autoClosed)];
    default:
      return [];
  }
}

/** Emits points: plain ones into the buffer (published by {@link publishMetrics}), dimensioned ones at once. */
export function emitMetrics(points: MetricPoint[]): void {
  for (const p of points) {
    if (p.dimensions) metrics.singleMetric().addDimensions(p.dimensions).addMetric(p.name, p.unit, p.value);
    else metrics.addMetric(p.name, p.unit, p.value);
  }
}

/** Flushes the buffered metrics (one EMF line), if there are any. */
export function publishMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/** The log keys a timer step's result provides (its department, when the use case returns it). */
export function resultLogKeys(result: unknown): Record<string, string> {
  const department = (result as { department?: unknown } | undefined)?.department;
  return typeof department === 'string' ? { department } : {};
}

/** The log keys an outcome provides: ticket, department and the mail's Message-ID, when known. */
export function outcomeLogKeys(outcome: ObjectOutcome & OutcomeFacts): Record<string, string> {
  const keys: Record<string, string> = {};
  if (outcome.ticketId) keys.ticketId = outcome.ticketId;
  if (outcome.department) keys.department = outcome.department;
  if (outcome.messageId) keys.messageId = outcome.messageId;
  return keys;
}
