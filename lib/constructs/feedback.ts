import { join } from 'node:path';
import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  ConfigurationSetEventDestination,
  EmailSendingEvent,
  EventDestination,
  type IConfigurationSet,
} from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { TicketStore } from './ticket-store';
import { TriageFunction } from './triage-function';

/** Where the handler modules live. */
const FUNCTIONS_DIR = join(__dirname, '..', '..', 'functions');

/** Properties of {@link Feedback}. */
export interface FeedbackProps {
  /** The configuration set every message is sent with: its bounces and complaints are published here. */
  readonly configurationSet: IConfigurationSet;
  /** The ticket table: suppression list items (`SUPPRESS#<address>`) and the notes on tickets. */
  readonly ticketStore: TicketStore;
  /** The deployment bundle compiled into the function (`buildDeploymentJson()`). */
  readonly deploymentJson: string;
  /**
   * Handler module of the feedback function.
   * @default functions/feedback/handler.ts
   */
  readonly entry?: string;
  /**
   * `POWERTOOLS_LOG_LEVEL` of the function.
   * @default "INFO"
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/**
 * SES feedback: the configuration set publishes BOUNCE and COMPLAINT events to an SNS topic
 * (encrypted with a key of its own, TLS only), and the feedback function subscribed to it keeps the
 * suppression list (`SUPPRESS#<address>` items) and notes each bounce or complaint on the ticket the
 * mail belonged to. The inbound and timer functions read the list before every send
 * (`SuppressingMailer`). A notification the function fails on is retried twice by Lambda, then lands
 * in the function's dead-letter queue (with an alarm).
 */
export class Feedback extends Construct {
  /** Encrypts the topic; SES may use it to publish. */
  readonly key: Key;
  /** Receives the bounce and complaint events. */
  readonly topic: Topic;
  /** BOUNCE and COMPLAINT of the configuration set -> the topic. */
  readonly eventDestination: ConfigurationSetEventDestination;
  /** SNS -> suppression list and ticket notes. */
  readonly feedbackFunction: TriageFunction;

  constructor(scope: Construct, id: string, props: FeedbackProps) {
    super(scope, id);
    const table = props.ticketStore.table;
    const configurationSetArn = Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: props.configurationSet.configurationSetName,
    });

    // SES cannot publish to a topic encrypted with the AWS managed key aws/sns: a key of our own, rotated yearly.
    this.key = new Key(this, 'TopicKey', {
      description: 'Encrypts the SES bounce and complaint notifications of email triage (SNS topic)',
      enableKeyRotation: true,
      // Notifications are consumed within seconds; nothing outlives the stack that needs this key.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowSesToPublishToTheEncryptedTopic',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'], // in a key policy "*" means this key
        // Only SES publishing events of this configuration set (a guard against the confused deputy).
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': configurationSetArn },
        },
      }),
    );

    this.topic = new Topic(this, 'Topic', {
      displayName: 'Email triage: SES bounces and complaints',
      masterKey: this.key,
      enforceSSL: true,
    });
    // Also adds the topic policy statement letting SES publish (sns:Publish for this account and configuration set only).
    this.eventDestination = new ConfigurationSetEventDestination(this, 'EventDestination', {
      configurationSet: props.configurationSet,
      destination: EventDestination.snsTopic(this.topic),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });
    // SES checks that it may publish when the destination is created.
    this.eventDestination.node.addDependency(this.topic, this.key);

    this.feedbackFunction = new TriageFunction(this, 'Function', {
      entry: props.entry ?? join(FUNCTIONS_DIR, 'feedback', 'handler.ts'),
      deploymentJson: props.deploymentJson,
      serviceName: 'feedback',
      description: 'Email triage: SES bounces and complaints (SNS) -> suppression list, note on the ticket',
      memorySize: 256,
      timeout: Duration.seconds(30),
      logLevel: props.logLevel,
      environment: { TICKETS_TABLE: table.tableName },
      // SNS invokes Lambda asynchronously: retried twice, then the dead-letter queue (with an alarm).
      asyncInvocation: { retryAttempts: 2 },
    });
    // Suppressions and transient-bounce counters (Put, Query), the Message-ID index and ticket (Get),
    // its messages (Query, Put). The base table only: no index is read.
    this.feedbackFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'KeepSuppressionsAndTicketNotes',
        effect: Effect.ALLOW,
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        resources: [table.tableArn],
      }),
    );
    this.topic.addSubscription(new LambdaSubscription(this.feedbackFunction.fn));
  }
}
