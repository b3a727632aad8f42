/**
 * What 1,000 tickets cost on AWS at list price (us-east-1, on-demand, no free tier, no Savings Plans).
 *
 * Every price and every assumption is a named constant below with where it comes from; the measured
 * inputs (durations, DynamoDB units, calls, recipients, bundle init times, state transitions) come
 * from the benchmark run (`npm run bench`) and are passed in. README.md ("Benchmark and cost") prints
 * the same table.
 */

// ---------------------------------------------------------------------------------------------------
// Prices, us-east-1
// ---------------------------------------------------------------------------------------------------

/** SES receiving: $0.10 per 1,000 mails received. https://aws.amazon.com/ses/pricing/ */
export const SES_INBOUND_PER_MAIL = 0.1 / 1000;
/** SES receiving: $0.09 per 1,000 incoming mail chunks; a chunk is 256 KB of a received mail. https://aws.amazon.com/ses/pricing/ */
export const SES_INBOUND_PER_CHUNK = 0.09 / 1000;
export const SES_INBOUND_CHUNK_BYTES = 256 * 1024;
/** SES sending: $0.10 per 1,000 mails, counted per recipient. https://aws.amazon.com/ses/pricing/ (quotas "based on the number of recipients": https://docs.aws.amazon.com/ses/latest/dg/quotas.html) */
export const SES_OUTBOUND_PER_RECIPIENT = 0.1 / 1000;
/** SES sending: $0.12 per GB of attachments sent. https://aws.amazon.com/ses/pricing/ (our automatic mail carries none) */
export const SES_OUTBOUND_PER_ATTACHMENT_GB = 0.12;

/** Lambda on arm64: $0.0000133334 per GB-second, $0.20 per million requests. https://aws.amazon.com/lambda/pricing/ */
export const LAMBDA_ARM_PER_GB_SECOND = 0.0000133334;
export const LAMBDA_PER_REQUEST = 0.2 / 1e6;

/** DynamoDB on-demand (price cut of November 2024): $0.625 per million WRU, $0.125 per million RRU, $0.25 per GB-month. https://aws.amazon.com/dynamodb/pricing/on-demand/ */
export const DYNAMODB_PER_WRU = 0.625 / 1e6;
export const DYNAMODB_PER_RRU = 0.125 / 1e6;
export const DYNAMODB_PER_GB_MONTH = 0.25;

/** S3 Standard: $0.023 per GB-month (first 50 TB), PUT $0.005 per 1,000, GET $0.0004 per 1,000. https://aws.amazon.com/s3/pricing/ */
export const S3_PER_GB_MONTH = 0.023;
export const S3_PER_PUT = 0.005 / 1000;
export const S3_PER_GET = 0.0004 / 1000;

/** Step Functions Standard: $0.025 per 1,000 state transitions. https://aws.amazon.com/step-functions/pricing/ */
export const SFN_PER_TRANSITION = 0.025 / 1000;

/** Secrets Manager: $0.40 per secret per month, $0.05 per 10,000 API calls. https://aws.amazon.com/secrets-manager/pricing/ */
export const SECRET_PER_MONTH = 0.4;
export const SECRETS_PER_CALL = 0.05 / 10000;

/** CloudWatch Logs: $0.50 per GB ingested (standard class), $0.03 per GB-month stored. https://aws.amazon.com/cloudwatch/pricing/ */
export const LOGS_PER_GB_INGESTED = 0.5;
export const LOGS_PER_GB_MONTH = 0.03;
/** CloudWatch: $0.10 per standard-resolution alarm metric per month; $3.00 per dashboard per month. https://aws.amazon.com/cloudwatch/pricing/ */
export const ALARM_PER_MONTH = 0.1;
export const DASHBOARD_PER_MONTH = 3;
/** X-Ray: $5.00 per million traces recorded. https://aws.amazon.com/xray/pricing/ */
export const XRAY_PER_TRACE = 5 / 1e6;
/** KMS: $1.00 per customer managed key per month. https://aws.amazon.com/kms/pricing/ */
export const KMS_KEY_PER_MONTH = 1;

// ---------------------------------------------------------------------------------------------------
// Assumptions about one ticket (what the benchmark does not send itself)
// ---------------------------------------------------------------------------------------------------

/** A customer's first mail, as received: text + HTML alternative and a signature, no attachment. Under one 256 KB chunk. */
export const CUSTOMER_MAIL_BYTES = 75 * 1024;
/** The agent's reply as received by SES, quoted history included. */
export const AGENT_REPLY_BYTES = 60 * 1024;
/**
 * Outbound mails SES sends per ticket to one recipient each, besides the agents' copy: ack, the relayed
 * agent reply, one follow-up, and the closing note when the ticket closes itself after the quiet period
 * (counted for every ticket: a customer who answers "thanks" instead costs the same mail the other way).
 */
export const SINGLE_RECIPIENT_MAILS = { ack: 1, relay: 1, followUp: 1, closingNote: 1 };
/**
 * Share of tickets whose first-response target is missed: the `warn` step runs (a mail to the agents)
 * and then the `escalate` step (a mail to the lead), two more executions that run to the end.
 */
export const ESCALATION_SHARE = 0.1;
/**
 * Timer steps that run to the end for every ticket: `follow-up` and `auto-close`, one execution each.
 * The `warn` step's execution of a ticket answered in time is stopped while it waits: it entered one
 * state (the Wait) and runs nothing.
 */
export const TIMER_STEPS_RUN = 2;
/** Executions per ticket stopped while waiting (the superseded `warn` of a ticket answered in time). */
export const TIMER_STEPS_STOPPED = 1;
/**
 * Share of invocations that start a new container (billed INIT phase since 1 August 2025). A help desk
 * gets a few mails an hour, so most invocations are cold: counted as all cold.
 * https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/
 */
export const COLD_START_SHARE = 1;
/** Log bytes per Lambda invocation: platform START/END/REPORT lines (JSON format), one INFO line, one EMF metrics line. */
export const LOG_BYTES_PER_INVOCATION = 2048;
/** Log bytes per state transition of the timer (LogLevel.ALL, without execution data: entered + exited events). */
export const LOG_BYTES_PER_TRANSITION = 800;
/** X-Ray traces per ticket: active tracing on both functions and the state machine; low volume, so every request is sampled. */
export const TRACES_PER_INVOCATION = 1;
/** Months that logs are kept (the functions' and the timer's log groups keep three months). */
export const LOG_RETENTION_MONTHS = 3;
/** The comparison point in the README: a team of this size at this volume. */
export const COMPARISON = { agents: 5, ticketsPerMonth: 1500 };
/** Hosted help desks, USD per agent per month, billed yearly: https://www.zendesk.com/pricing/ (Support Team, Suite Team). */
export const HOSTED_HELP_DESK = [
  { name: 'Zendesk Support Team', perAgentMonth: 19 },
  { name: 'Zendesk Suite Team', perAgentMonth: 55 },
];

// ---------------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------------

/** What the benchmark measured that the cost depends on. */
export interface MeasuredInputs {
  inbound: { memoryMB: number; durationMs: number; initMs: number };
  timer: { memoryMB: number; durationMs: number; initMs: number };
  /** inbound handling of an agent reply (the relay), measured when the local stack relays; else the customer mail's duration */
  replyDurationMs: number;
  /** recipients of the agents' copy per ticket (measured over the tickets the run created) */
  agentCopyRecipients: number;
  /** DynamoDB units per ticket for the customer mail and for the agent reply */
  dynamodb: { wru: number; rru: number; storedBytes: number };
  /** transitions of one timer execution that runs its step, and of one stopped while it waited */
  transitions: { step: number; stopped: number };
}

export interface CostLine {
  item: string;
  usdPer1000: number;
  ses: boolean;
  how: string;
}

export interface CostResult {
  lines: CostLine[];
  usdPer1000: number;
  sesUsdPer1000: number;
  sesShare: number;
}

const gb = (bytes: number) => bytes / 1024 ** 3;

export function costPer1000Tickets(m: MeasuredInputs): CostResult {
  const lines: CostLine[] = [];
  const add = (item: string, perTicket: number, how: string, ses = false) =>
    lines.push({ item, usdPer1000: perTicket * 1000, ses, how });

  const chunks = (bytes: number) => Math.max(1, Math.ceil(bytes / SES_INBOUND_CHUNK_BYTES));
  const received = [CUSTOMER_MAIL_BYTES, AGENT_REPLY_BYTES];
  add(
    'SES receiving',
    received.length * SES_INBOUND_PER_MAIL + received.reduce((s, b) => s + chunks(b), 0) * SES_INBOUND_PER_CHUNK,
    `${received.length} mails (customer, agent reply), ${received.reduce((s, b) => s + chunks(b), 0)} chunks`,
    true,
  );
  // escalated tickets: the warning to the agents (as many as get the copy) and the escalation to the lead
  const escalationRecipients = ESCALATION_SHARE * (m.agentCopyRecipients + 1);
  const recipients =
    SINGLE_RECIPIENT_MAILS.ack +
    m.agentCopyRecipients +
    SINGLE_RECIPIENT_MAILS.relay +
    SINGLE_RECIPIENT_MAILS.followUp +
    SINGLE_RECIPIENT_MAILS.closingNote +
    escalationRecipients;
  add(
    'SES sending',
    recipients * SES_OUTBOUND_PER_RECIPIENT,
    `${recipients.toFixed(2)} recipients: ack 1, agents' copy ${m.agentCopyRecipients.toFixed(2)}, relay 1, follow-up 1, closing note 1, warning + escalation ${escalationRecipients.toFixed(3)}`,
    true,
  );

  const timerInvocations = TIMER_STEPS_RUN + 2 * ESCALATION_SHARE;
  const gbSeconds =
    (m.inbound.memoryMB / 1024) *
      ((m.inbound.durationMs + m.replyDurationMs + 2 * COLD_START_SHARE * m.inbound.initMs) / 1000) +
    (m.timer.memoryMB / 1024) *
      ((timerInvocations * m.timer.durationMs + timerInvocations * COLD_START_SHARE * m.timer.initMs) / 1000);
  const invocations = 2 + timerInvocations;
  add(
    'Lambda compute',
    gbSeconds * LAMBDA_ARM_PER_GB_SECOND,
    `${gbSeconds.toFixed(3)} GB-s: inbound ${m.inbound.memoryMB} MB x (${m.inbound.durationMs.toFixed(0)} + ${m.replyDurationMs.toFixed(0)} ms + 2 cold inits of ${m.inbound.initMs.toFixed(0)} ms), timer ${m.timer.memoryMB} MB x ${timerInvocations} x ${m.timer.durationMs.toFixed(0)} ms + inits`,
  );
  add('Lambda requests', invocations * LAMBDA_PER_REQUEST, `${invocations} invocations`);

  add(
    'DynamoDB',
    m.dynamodb.wru * DYNAMODB_PER_WRU +
      m.dynamodb.rru * DYNAMODB_PER_RRU +
      gb(m.dynamodb.storedBytes) * DYNAMODB_PER_GB_MONTH,
    `${m.dynamodb.wru.toFixed(1)} WRU, ${m.dynamodb.rru.toFixed(1)} RRU, ${(m.dynamodb.storedBytes / 1024).toFixed(1)} KB stored a month`,
  );
  add(
    'S3',
    received.length * S3_PER_PUT + 2 * S3_PER_GET + gb(received.reduce((s, b) => s + b, 0)) * S3_PER_GB_MONTH,
    `${received.length} PUT (SES), 2 GET, ${(received.reduce((s, b) => s + b, 0) / 1024).toFixed(0)} KB for a month`,
  );

  // an escalated ticket's warn step runs instead of being stopped, and its escalate step runs too
  const transitions =
    timerInvocations * m.transitions.step + (TIMER_STEPS_STOPPED - ESCALATION_SHARE) * m.transitions.stopped;
  add(
    'Step Functions',
    transitions * SFN_PER_TRANSITION,
    `${transitions.toFixed(1)} state transitions (${timerInvocations.toFixed(1)} steps run of ${m.transitions.step}, ${(TIMER_STEPS_STOPPED - ESCALATION_SHARE).toFixed(1)} stopped after ${m.transitions.stopped})`,
  );
  // The reply-token key is read once per container: once per cold start.
  const secretsCalls = invocations * COLD_START_SHARE;
  add(
    'Secrets Manager calls',
    secretsCalls * SECRETS_PER_CALL,
    `${secretsCalls.toFixed(1)} GetSecretValue (one per cold start)`,
  );
  const logBytes = invocations * LOG_BYTES_PER_INVOCATION + transitions * LOG_BYTES_PER_TRANSITION;
  add(
    'CloudWatch Logs',
    gb(logBytes) * (LOGS_PER_GB_INGESTED + LOG_RETENTION_MONTHS * LOGS_PER_GB_MONTH),
    `${(logBytes / 1024).toFixed(1)} KB ingested, kept ${LOG_RETENTION_MONTHS} months`,
  );
  const executions = timerInvocations + TIMER_STEPS_STOPPED - ESCALATION_SHARE;
  add(
    'X-Ray',
    (invocations + executions) * TRACES_PER_INVOCATION * XRAY_PER_TRACE,
    `${(invocations + executions).toFixed(1)} traces`,
  );

  const usdPer1000 = lines.reduce((s, l) => s + l.usdPer1000, 0);
  const sesUsdPer1000 = lines.filter((l) => l.ses).reduce((s, l) => s + l.usdPer1000, 0);
  return { lines, usdPer1000, sesUsdPer1000, sesShare: sesUsdPer1000 / usdPer1000 };
}

/** Monthly cost that does not grow with tickets, from the synthesised template's resources. */
export function fixedPerMonth(resources: { secrets: number; alarms: number; dashboards: number; kmsKeys: number }): {
  usd: number;
  how: string;
} {
  const usd =
    resources.secrets * SECRET_PER_MONTH +
    resources.alarms * ALARM_PER_MONTH +
    resources.dashboards * DASHBOARD_PER_MONTH +
    resources.kmsKeys * KMS_KEY_PER_MONTH;
  return {
    usd,
    how: `${resources.secrets} secret(s), ${resources.alarms} alarm(s), ${resources.dashboards} dashboard(s), ${resources.kmsKeys} KMS key(s)`,
  };
}
