import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  MathExpression,
  Metric,
  Shading,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRIC } from '../../functions/shared/metric-names';
import type { FailureQueue } from './failure-queue';
import { METRICS_NAMESPACE, type TriageFunction } from './triage-function';

/** SES reviews an account whose bounce rate reaches 5 % (and may pause sending at 10 %). */
export const SES_BOUNCE_RATE_REVIEW = 0.05;
/** SES reviews an account whose complaint rate reaches 0.1 % (and may pause sending at 0.5 %). */
export const SES_COMPLAINT_RATE_REVIEW = 0.001;

/** Properties of {@link Observability}. */
export interface ObservabilityProps {
  /**
   * Who is told when an alarm changes state (config `alerts.emails`): e-mail subscriptions of the
   * alarm topic; each address gets a confirmation mail from SNS first.
   * @default - no subscription (subscribe a pager, chat or ticket system to the topic yourself)
   */
  readonly alarmEmails?: readonly string[];
  /**
   * The SLA alarm fires when more tickets than this miss their first-response target within one hour.
   * @default 5
   */
  readonly slaBreachesPerHour?: number;
  /**
   * SES account bounce rate (a ratio) at which the bounce alarm fires.
   * @default SES_BOUNCE_RATE_REVIEW (0.05)
   */
  readonly bounceRateThreshold?: number;
  /**
   * SES account complaint rate (a ratio) at which the complaint alarm fires.
   * @default SES_COMPLAINT_RATE_REVIEW (0.001)
   */
  readonly complaintRateThreshold?: number;
  /** Powertools service name of the inbound function (the `service` dimension of its metrics). @default "inbound" */
  readonly inboundService?: string;
  /** Powertools service name of the timer function. @default "timer" */
  readonly timerService?: string;
  /** Powertools service name of the SES feedback function (bounces and complaints). @default "feedback" */
  readonly feedbackService?: string;
}

/**
 * What operators watch: a CloudWatch dashboard of the mail flow (the functions' Powertools metrics in
 * the `EmailTriage` namespace), the functions, the dead-letter queues and SES reputation; alarms on
 * dead-lettered events, function errors and throttles, failed timers, SLA breaches, and bounce and
 * complaint rates near SES's limits; and one encrypted, TLS-only SNS topic that every alarm notifies.
 *
 * Add a function, a dead-letter queue or a state machine with {@link monitorFunction},
 * {@link monitorFailureQueue} and {@link monitorStateMachine}: each gets its alarms and dashboard row.
 */
export class Observability extends Construct {
  /** Every alarm notifies this topic (on alarm and back to OK). */
  readonly topic: Topic;
  /** Customer managed key of the topic (CloudWatch cannot publish to a topic under the AWS managed SNS key). */
  readonly topicKey: Key;
  /** The dashboard. */
  readonly dashboard: Dashboard;
  /** The alarms of this deployment, in the order they were added. */
  readonly alarms: IAlarm[] = [];
  /** The SLA breach alarm. */
  readonly slaAlarm: Alarm;
  /** SES reputation alarms: account bounce and complaint rates. */
  readonly bounceRateAlarm: Alarm;
  readonly complaintRateAlarm: Alarm;

  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: ObservabilityProps = {}) {
    super(scope, id);
    const inbound = props.inboundService ?? 'inbound';
    const timer = props.timerService ?? 'timer';
    const feedback = props.feedbackService ?? 'feedback';

    this.topicKey = new Key(this, 'AlarmTopicKey', {
      description: `Encrypts the alarm topic of ${Stack.of(this).stackName}`,
      enableKeyRotation: true,
      // Only transient alarm notifications are encrypted with it.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch publishes alarm notifications: it must be able to use the topic's key.
    this.topicKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: 'Email triage alarms',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    // The TLS-only policy replaces the topic's default policy: allow this account's alarms explicitly.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowThisAccountsAlarmsToPublish',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
        },
      }),
    );
    for (const email of props.alarmEmails ?? []) this.topic.addSubscription(new EmailSubscription(email));
    this.action = new SnsAction(this.topic);

    const app = (
      metricName: string,
      service: string,
      statistic = 'Sum',
      period = Duration.minutes(5),
      label?: string,
    ) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service },
        statistic,
        period,
        ...(label ? { label } : {}),
      });

    // Alarms on the application metrics
    this.slaAlarm = this.addAlarm('SlaBreaches', {
      alarmDescription: `More than ${props.slaBreachesPerHour ?? 5} tickets missed their first-response target within one hour (metric ${METRIC.slaBreached}).`,
      metric: app(METRIC.slaBreached, timer, 'Sum', Duration.hours(1)),
      threshold: props.slaBreachesPerHour ?? 5,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    // Account-level reputation metrics SES publishes (no dimension). Alarms take them unlabelled.
    const sesMetric = (metricName: string) =>
      new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.minutes(15) });
    const bounceRate = sesMetric('Reputation.BounceRate');
    const complaintRate = sesMetric('Reputation.ComplaintRate');
    const bounceThreshold = props.bounceRateThreshold ?? SES_BOUNCE_RATE_REVIEW;
    const complaintThreshold = props.complaintRateThreshold ?? SES_COMPLAINT_RATE_REVIEW;
    this.bounceRateAlarm = this.addAlarm('SesBounceRate', {
      alarmDescription: `The SES account bounce rate reached ${bounceThreshold * 100} %: SES reviews accounts at 5 % and may pause sending at 10 %. Check the addresses mail goes to.`,
      metric: bounceRate,
      threshold: bounceThreshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    this.complaintRateAlarm = this.addAlarm('SesComplaintRate', {
      alarmDescription: `The SES account complaint rate reached ${complaintThreshold * 100} %: SES reviews accounts at 0.1 % and may pause sending at 0.5 %. Check what automatic mail is sent.`,
      metric: complaintRate,
      threshold: complaintThreshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });

    // The dashboard: the mail flow first, then the machinery.
    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(1) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Email triage: ${Stack.of(this).stackName}\nMail in, acknowledgements, tickets and timers (namespace \`${METRICS_NAMESPACE}\`); then the functions, dead-letter queues and SES reputation. Alarms notify the SNS topic of this stack.`,
        width: 18,
        height: 2,
      }),
      // The status of every alarm of this construct, including those added later (read at synth).
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 6, height: 6 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Mail in',
        left: [
          app(METRIC.mailsReceived, inbound),
          app(METRIC.duplicatesDropped, inbound),
          app(METRIC.refusals, inbound),
          app(METRIC.mailsFailed, inbound),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Acknowledgements',
        left: [
          app(METRIC.acksSent, inbound),
          new MathExpression({
            // One line per reason (a small, fixed set of dimension values).
            expression: `SEARCH('{${METRICS_NAMESPACE},reason,service} MetricName="${METRIC.acksSuppressed}" service="${inbound}"', 'Sum', 300)`,
            usingMetrics: {},
            label: 'suppressed:',
            period: Duration.minutes(5),
          }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Agents and timers',
        left: [
          app(METRIC.relays, inbound),
          app(METRIC.dueWarnings, timer),
          app(METRIC.escalations, timer),
          app(METRIC.slaBreached, timer),
          app(METRIC.followUps, timer),
          app(METRIC.autoClosed, timer),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'First-response time (minutes)',
        left: [
          app(METRIC.firstResponseMinutes, inbound, 'p50', Duration.hours(1), 'median'),
          app(METRIC.firstResponseMinutes, inbound, 'p90', Duration.hours(1), 'p90'),
        ],
        width: 8,
      }),
      new SingleValueWidget({
        title: 'Last 24 hours',
        metrics: [
          app(METRIC.mailsReceived, inbound, 'Sum', Duration.days(1), 'mails'),
          app(METRIC.acksSent, inbound, 'Sum', Duration.days(1), 'acks'),
          app(METRIC.slaBreached, timer, 'Sum', Duration.days(1), 'SLA breaches'),
        ],
        width: 8,
        height: 6,
      }),
      new GraphWidget({
        title: 'SES reputation (account)',
        left: [bounceRate.with({ label: 'bounce rate' }), complaintRate.with({ label: 'complaint rate' })],
        leftAnnotations: [
          { value: bounceThreshold, label: 'bounce alarm', color: '#ff7f0e', fill: Shading.ABOVE },
          { value: complaintThreshold, label: 'complaint alarm', color: '#d62728' },
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'SES feedback: bounces and complaints of our mail',
        // names emitted by functions/feedback/handler.ts
        left: ['ses_bounces', 'ses_complaints', 'addresses_suppressed', 'feedback_failed'].map((name) =>
          app(name, feedback),
        ),
        width: 8,
      }),
    );
  }

  /** Errors and throttles alarms of one function, its dead-letter queue (if any), and its dashboard row. */
  monitorFunction(label: string, fn: TriageFunction): void {
    const period = Duration.minutes(5);
    // Unlabelled metrics in the alarms (a label turns the alarm into a metric-math alarm); labelled ones in the graphs.
    const errors = fn.fn.metricErrors({ period, statistic: 'Sum' });
    const throttles = fn.fn.metricThrottles({ period, statistic: 'Sum' });
    this.addAlarm(`${pascal(label)}Errors`, {
      alarmDescription: `The ${label} function failed at least once in 5 minutes; see its log group ${fn.logGroup.node.path}.`,
      metric: errors,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    this.addAlarm(`${pascal(label)}Throttles`, {
      alarmDescription: `Lambda throttled the ${label} function in the last 5 minutes (account concurrency exhausted?); asynchronous events are retried, synchronous ones fail.`,
      metric: throttles,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    const widgets = [
      new GraphWidget({
        title: `${label} function: invocations, errors, throttles`,
        left: [
          fn.fn.metricInvocations({ period, statistic: 'Sum', label: 'invocations' }),
          errors.with({ label: 'errors' }),
          throttles.with({ label: 'throttles' }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: `${label} function: duration (ms)`,
        left: [
          fn.fn.metricDuration({ period, statistic: 'p50', label: 'p50' }),
          fn.fn.metricDuration({ period, statistic: 'p99', label: 'p99' }),
        ],
        width: 8,
      }),
    ];
    if (fn.failureQueue) widgets.push(this.monitorFailureQueue(label, fn.failureQueue));
    this.dashboard.addWidgets(...widgets);
  }

  /** Routes a dead-letter queue's alarm to the topic and returns its depth widget. */
  monitorFailureQueue(label: string, failureQueue: FailureQueue): GraphWidget {
    failureQueue.alarm.addAlarmAction(this.action);
    failureQueue.alarm.addOkAction(this.action);
    this.alarms.push(failureQueue.alarm);
    return new GraphWidget({
      title: `${label}: dead-letter queue depth`,
      left: [
        failureQueue.queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
          label: 'messages',
        }),
      ],
      width: 8,
    });
  }

  /** Alarm on failed executions of a state machine (a ticket timer that failed escalates nobody), and its row. */
  monitorStateMachine(label: string, stateMachine: IStateMachine): void {
    const period = Duration.minutes(5);
    const failed = stateMachine.metricFailed({ period, statistic: 'Sum' });
    this.addAlarm(`${pascal(label)}Failed`, {
      alarmDescription: `An execution of the ${label} failed (after its retries): that ticket gets no escalation. See the execution history.`,
      metric: failed,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    this.dashboard.addWidgets(
      new GraphWidget({
        title: `${label}: executions`,
        left: [
          stateMachine.metricStarted({ period, statistic: 'Sum', label: 'started' }),
          stateMachine.metricSucceeded({ period, statistic: 'Sum', label: 'succeeded' }),
          failed.with({ label: 'failed' }),
        ],
        width: 8,
      }),
    );
  }

  private addAlarm(
    id: string,
    props: { alarmDescription: string; metric: IMetric; threshold: number; comparisonOperator: ComparisonOperator },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      ...props,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}

const pascal = (s: string) => s.replace(/(^|[^a-zA-Z0-9]+)([a-zA-Z0-9])/g, (_, __, c: string) => c.toUpperCase());
