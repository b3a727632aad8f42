import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';

/** Properties of a {@link FailureQueue}. */
export interface FailureQueueProps {
  /**
   * What failed, used in the alarm description (e.g. "inbound function").
   */
  readonly subject: string;
  /**
   * How long failed events are kept for inspection and replay.
   * @default Duration.days(14) (the SQS maximum)
   */
  readonly retentionPeriod?: Duration;
}

/**
 * Where events land that a function could not process after its retries (the on-failure
 * destination of an asynchronous invocation), plus an alarm as soon as one is there.
 * Nothing a customer sent is lost: the raw mail stays in S3 and the event here names its key,
 * so it can be replayed once the cause is fixed.
 */
export class FailureQueue extends Construct {
  /** The dead-letter queue (encrypted, TLS only). */
  readonly queue: Queue;
  /** In alarm while the queue holds at least one message. */
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: FailureQueueProps) {
    super(scope, id);

    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
    });
    acknowledge(this.queue, {
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue IS the dead-letter queue: it is the on-failure destination of an asynchronous Lambda invocation, ' +
        'not a work queue with consumers, so it needs no dead-letter queue of its own.',
    });

    this.alarm = new Alarm(this, 'NotEmpty', {
      alarmDescription: `Events of the ${props.subject} failed after all retries and wait in ${this.node.path} for inspection and replay.`,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
