/**
 * The metrics the functions emit, as plain constants (no Powertools import, no side effect), so the
 * CDK app (dashboard, alarms) can read them without creating a logger at synth time.
 */

/**
 * Metric names (namespace `EmailTriage`, dimension `service` = the function's service name). The
 * dashboard and alarms of `lib/constructs/observability.ts` read these very constants.
 */
export const METRIC = {
  /** every delivered object the inbound function handled (one per S3 record) */
  mailsReceived: 'mails_received',
  /** an acknowledgement went to the customer */
  acksSent: 'acks_sent',
  /** no acknowledgement, and why: dimension `reason` (one of {@link SUPPRESSION_REASONS}) */
  acksSuppressed: 'acks_suppressed',
  /** the same mail delivered again (S3 retry, sender retry): dropped */
  duplicatesDropped: 'duplicates_dropped',
  /** an agent's reply relayed to the customer */
  relays: 'relays',
  /** mail refused: not where a receipt rule writes, no usable sender, a reply that may not be relayed ... */
  refusals: 'refusals',
  /** a record the inbound function failed on (it is retried, then dead-lettered) */
  mailsFailed: 'mails_failed',
  /** the department lead was told that a first response is overdue */
  escalations: 'escalations',
  /** a ticket missed its first-response target */
  slaBreached: 'sla_breached',
  /** a follow-up mail to the customer after an answer */
  followUps: 'follow_ups',
  /** the assignee or agents were warned that a response is nearly due */
  dueWarnings: 'due_warnings',
  /** a ticket closed itself after the quiet period */
  autoClosed: 'auto_closed',
  /** minutes from the customer's mail to the first agent answer (unit None) */
  firstResponseMinutes: 'first_response_minutes',
} as const;

/** The `reason` dimension of `acks_suppressed`: a small, fixed set (CloudWatch bills per dimension value). */
export const SUPPRESSION_REASONS = [
  'auto-submitted',
  'own-mail',
  'delivery-report',
  'bulk',
  'mailing-list',
  'auto-reply-header',
  'null-sender',
  'machine-sender',
  'machine-subject',
  'rate-limit',
  'quarantine',
  'other',
] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];
