import { join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { ConfigurationSet, EmailIdentity, Identity, SuppressionReasons } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import type { TriageConfig } from '../../functions/domain/config';
import { acknowledge, nagRef, nagText } from '../nag';
import { ATTACHMENTS_PREFIX, INBOUND_PREFIX, REPLIES_PREFIX, type RawMailStore } from './raw-mail-store';
import type { TicketStore } from './ticket-store';
import { TriageFunction } from './triage-function';

/** Where the handler modules live. */
const FUNCTIONS_DIR = join(__dirname, '..', '..', 'functions');

/** Properties of {@link Responders}. */
export interface RespondersProps {
  /** The validated config (mail and reply domains). */
  readonly config: TriageConfig;
  /** The deployment bundle compiled into every function (`buildDeploymentJson()`). */
  readonly deploymentJson: string;
  /** The ticket table. */
  readonly ticketStore: TicketStore;
  /** The raw mail bucket. */
  readonly rawMailStore: RawMailStore;
  /** The reply-token signing key. */
  readonly replyTokenSecret: ISecret;
  /**
   * Handler module of the inbound function.
   * @default functions/inbound/handler.ts
   */
  readonly inboundEntry?: string;
  /**
   * Handler module of the timer function.
   * @default functions/timer/handler.ts
   */
  readonly timerEntry?: string;
  /**
   * `POWERTOOLS_LOG_LEVEL` of both functions.
   * @default "INFO"
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/**
 * Everything that answers mail: the SES sending identity (Easy DKIM) and configuration set, the
 * inbound function (S3 notification -> ticket, ack, agents' copy, timer) and the timer function
 * (the state machine's task), each with its own least-privilege role.
 */
export class Responders extends Construct {
  /** SES identity of `config.mailDomain`: the department addresses send from it. */
  readonly mailDomainIdentity: EmailIdentity;
  /**
   * SES identity of `config.replyDomain` when it is neither the mail domain nor one of its subdomains
   * (a subdomain inherits the parent's verification, for receiving too).
   */
  readonly replyDomainIdentity?: EmailIdentity;
  /** The configuration set every message is sent with (reputation metrics, account suppression list). */
  readonly configurationSet: ConfigurationSet;
  /** Reads new raw mail and replies, creates and updates tickets, sends acks and agents' copies, starts timers. */
  readonly inboundFunction: TriageFunction;
  /** Task of the ticket timer: re-checks a ticket, escalates to the lead. */
  readonly timerFunction: TriageFunction;

  constructor(scope: Construct, id: string, props: RespondersProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    const table = props.ticketStore.table;
    const bucket = props.rawMailStore.bucket;

    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.mailDomainIdentity = new EmailIdentity(this, 'MailDomainIdentity', {
      identity: Identity.domain(config.mailDomain),
      configurationSet: this.configurationSet,
      dkimSigning: true,
    });
    const replyDomain = config.replyDomain;
    if (replyDomain !== config.mailDomain && !replyDomain.endsWith(`.${config.mailDomain}`)) {
      // SES receives only for verified domains: a separate reply domain needs its own identity.
      this.replyDomainIdentity = new EmailIdentity(this, 'ReplyDomainIdentity', {
        identity: Identity.domain(replyDomain),
        configurationSet: this.configurationSet,
        dkimSigning: true,
      });
    }
    const configurationSetArn = stack.formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });

    const environment = {
      TICKETS_TABLE: table.tableName,
      RAW_MAIL_BUCKET: bucket.bucketName,
      REPLY_TOKEN_SECRET_ID: props.replyTokenSecret.secretArn,
      SES_CONFIGURATION_SET: this.configurationSet.configurationSetName,
    };

    this.inboundFunction = new TriageFunction(this, 'Inbound', {
      entry: props.inboundEntry ?? join(FUNCTIONS_DIR, 'inbound', 'handler.ts'),
      deploymentJson: props.deploymentJson,
      serviceName: 'inbound',
      description: 'Email triage: new mail and replies from S3 -> ticket, acknowledgement, agents copy, timer',
      // SES accepts messages up to 40 MB; parsing one takes several times that in memory.
      memorySize: 1024,
      timeout: Duration.minutes(2),
      logLevel: props.logLevel,
      environment,
      asyncInvocation: { retryAttempts: 2 },
    });
    this.timerFunction = new TriageFunction(this, 'Timer', {
      entry: props.timerEntry ?? join(FUNCTIONS_DIR, 'timer', 'handler.ts'),
      deploymentJson: props.deploymentJson,
      serviceName: 'timer',
      description: 'Email triage: ticket timer task (check a ticket, escalate to the department lead)',
      memorySize: 256,
      timeout: Duration.seconds(30),
      logLevel: props.logLevel,
      environment,
    });

    const tableResources = [table.tableArn, props.ticketStore.indexArn];
    const sendFrom = [this.mailDomainIdentity.emailIdentityArn, configurationSetArn];

    // Inbound: read what SES stored, keep tickets, send, sign reply addresses.
    this.inboundFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'ReadRawMail',
        effect: Effect.ALLOW,
        actions: ['s3:GetObject'],
        resources: [bucket.arnForObjects(`${INBOUND_PREFIX}*`), bucket.arnForObjects(`${REPLIES_PREFIX}*`)],
      }),
    );
    this.inboundFunction.addToRolePolicy(
      new PolicyStatement({
        // Attachments too large to forward are kept apart and linked (pre-signed GET, signed by this role).
        sid: 'KeepLargeAttachments',
        effect: Effect.ALLOW,
        actions: ['s3:PutObject', 's3:GetObject'],
        resources: [bucket.arnForObjects(`${ATTACHMENTS_PREFIX}*`)],
      }),
    );
    this.inboundFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'KeepTickets',
        effect: Effect.ALLOW,
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        resources: tableResources,
      }),
    );
    this.inboundFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'SendMail',
        effect: Effect.ALLOW,
        actions: ['ses:SendRawEmail'],
        resources: sendFrom,
      }),
    );
    this.inboundFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'ReadReplyTokenKey',
        effect: Effect.ALLOW,
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.replyTokenSecret.secretArn],
      }),
    );
    const bucketArn = nagRef(bucket, 'Arn');
    acknowledge(
      this.inboundFunction.role.node.findChild('DefaultPolicy'),
      {
        id: `AwsSolutions-IAM5[Resource::${bucketArn}/${INBOUND_PREFIX}*]`,
        reason:
          's3:GetObject only, on the keys SES writes for the department and general addresses (inbound/<address>/<message id>): ' +
          'the message ids are chosen by SES at delivery time, so the key cannot be named in advance.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${bucketArn}/${ATTACHMENTS_PREFIX}*]`,
        reason:
          's3:PutObject and s3:GetObject only, under attachments/<ticket>/<uuid>/: attachments too large to forward are written there ' +
          'and linked for agents with a pre-signed GET; ticket ids and uuids are made at run time.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${bucketArn}/${REPLIES_PREFIX}*]`,
        reason:
          's3:GetObject only, on the keys SES writes for the reply domain (replies/<message id>): ' +
          'the message ids are chosen by SES at delivery time, so the key cannot be named in advance.',
      },
    );

    // Timer: re-read and update the ticket, mail the lead (whose copy carries a signed reply address).
    this.timerFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'KeepTickets',
        effect: Effect.ALLOW,
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        resources: tableResources,
      }),
    );
    this.timerFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'SendMail',
        effect: Effect.ALLOW,
        actions: ['ses:SendRawEmail'],
        resources: sendFrom,
      }),
    );
    this.timerFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'ReadReplyTokenKey',
        effect: Effect.ALLOW,
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.replyTokenSecret.secretArn],
      }),
    );
  }

  /**
   * Gives the inbound and timer functions the ticket timer: `TIMER_STATE_MACHINE_ARN`, starting
   * executions (the next step), and for the inbound function stopping them (superseded steps).
   */
  useTimer(timers: { stateMachineArn: string; executionArnPattern: string }): void {
    for (const fn of [this.inboundFunction, this.timerFunction]) {
      fn.addEnvironment('TIMER_STATE_MACHINE_ARN', timers.stateMachineArn);
      fn.addToRolePolicy(
        new PolicyStatement({
          sid: 'StartTicketTimers',
          effect: Effect.ALLOW,
          actions: ['states:StartExecution'],
          resources: [timers.stateMachineArn],
        }),
      );
    }
    this.inboundFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'StopSupersededTimers',
        effect: Effect.ALLOW,
        actions: ['states:StopExecution'],
        resources: [timers.executionArnPattern],
      }),
    );
    acknowledge(this.inboundFunction.role.node.findChild('DefaultPolicy'), {
      id: `AwsSolutions-IAM5[Resource::${nagText(this, timers.executionArnPattern)}]`,
      reason:
        "states:StopExecution only, on executions of this stack's ticket timer: a superseded timer step is stopped by its name " +
        '(<ticket>-g<generation>-<step>), made at run time.',
    });
  }
}
