import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { TriageConfig } from '../functions/domain/config';
import { Feedback } from './constructs/feedback';
import { InboundMail } from './constructs/inbound-mail';
import { Observability } from './constructs/observability';
import { RawMailStore } from './constructs/raw-mail-store';
import { Reports } from './constructs/reports';
import { Responders } from './constructs/responders';
import { ReplyTokenSecret } from './constructs/secrets';
import { TicketStore } from './constructs/ticket-store';
import { Timers } from './constructs/timers';
import { Web } from './constructs/web';
import type { TriageFunction } from './constructs/triage-function';

/** Properties of the {@link TriageStack}. */
export interface TriageStackProps extends StackProps {
  /** The validated config (`loadConfigFile()`). */
  readonly config: TriageConfig;
  /** The deployment bundle compiled into the functions (`buildDeploymentJson()`). */
  readonly deploymentJson: string;
  /**
   * Make the stack's SES receipt rule set the active one of the account and region.
   * @default true
   */
  readonly activateReceiptRuleSet?: boolean;
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
}

/**
 * One deployment of email triage. It has no hard-coded physical names, so several deployments
 * (staging, production) live side by side under different stack names.
 */
export class TriageStack extends Stack {
  /** Tickets, messages, counters, dedupe markers. */
  readonly table: Table;
  /** Every raw message, as received. */
  readonly rawMailBucket: Bucket;
  /** The ticket timer. */
  readonly timerStateMachine: StateMachine;
  /** HMAC key of the reply addresses. */
  readonly replyTokenSecret: Secret;
  /** S3 notification -> ticket, ack, agents' copy, timer. */
  readonly inboundFunction: TriageFunction;
  /** Task of the ticket timer. */
  readonly timerFunction: TriageFunction;
  /** Receipt rules and their activation. */
  readonly inboundMail: InboundMail;
  /** SES identities, configuration set, functions. */
  readonly responders: Responders;
  /** SES bounces and complaints -> suppression list, notes on tickets. */
  readonly feedback: Feedback;
  /** Dashboard, alarms and the alarm topic. */
  readonly observability: Observability;
  /** The customer's status page and the satisfaction survey (function URL). */
  readonly web: Web;
  /** Renders the status and survey pages. */
  readonly webFunction: TriageFunction;
  /** The weekly report function and its schedule. */
  readonly reports: Reports;
  /** The weekly report (the schedule's target; `triage report --week` invokes it). */
  readonly reportFunction: TriageFunction;

  constructor(scope: Construct, id: string, props: TriageStackProps) {
    super(scope, id, {
      description: `Email triage for ${props.config.mailDomain}: acknowledge, route, ticket, forward and follow up mail`,
      ...props,
    });
    const { config } = props;

    const secret = new ReplyTokenSecret(this, 'ReplyToken');
    const ticketStore = new TicketStore(this, 'TicketStore');
    const rawMailStore = new RawMailStore(this, 'RawMailStore', { retentionDays: config.rawMailRetentionDays });
    this.responders = new Responders(this, 'Responders', {
      config,
      deploymentJson: props.deploymentJson,
      ticketStore,
      rawMailStore,
      replyTokenSecret: secret.secret,
      inboundEntry: props.inboundEntry,
      timerEntry: props.timerEntry,
    });
    const timers = new Timers(this, 'Timers', { timerFunction: this.responders.timerFunction.fn });
    this.responders.useTimer(timers);
    this.feedback = new Feedback(this, 'Feedback', {
      configurationSet: this.responders.configurationSet,
      ticketStore,
      deploymentJson: props.deploymentJson,
    });
    this.web = new Web(this, 'Web', {
      deploymentJson: props.deploymentJson,
      ticketStore,
      replyTokenSecret: secret.secret,
      publicUrl: config.web.publicUrl,
    });
    this.webFunction = this.web.webFunction;
    // The functions that mail links learn the web function's address (the web function depends on neither: no cycle).
    this.responders.inboundFunction.fn.addEnvironment('WEB_BASE_URL', this.web.baseUrl);
    this.responders.timerFunction.fn.addEnvironment('WEB_BASE_URL', this.web.baseUrl);
    this.reports = new Reports(this, 'Reports', {
      config,
      deploymentJson: props.deploymentJson,
      ticketStore,
      mailDomainIdentity: this.responders.mailDomainIdentity,
      configurationSet: this.responders.configurationSet,
    });
    this.reportFunction = this.reports.reportFunction;
    this.inboundMail = new InboundMail(this, 'InboundMail', {
      config,
      rawMailStore,
      inboundFunction: this.responders.inboundFunction.fn,
      activateRuleSet: props.activateReceiptRuleSet,
    });

    this.table = ticketStore.table;
    this.rawMailBucket = rawMailStore.bucket;
    this.timerStateMachine = timers.stateMachine;
    this.replyTokenSecret = secret.secret;
    this.inboundFunction = this.responders.inboundFunction;
    this.timerFunction = this.responders.timerFunction;

    this.observability = new Observability(this, 'Observability', { alarmEmails: config.alerts.emails });
    this.observability.monitorFunction('inbound', this.inboundFunction);
    this.observability.monitorFunction('timer', this.timerFunction);
    this.observability.monitorStateMachine('ticket timer', this.timerStateMachine);
    this.observability.monitorFunction('feedback', this.feedback.feedbackFunction);
    this.observability.monitorFunction('web', this.webFunction);
    this.observability.monitorFunction('reports', this.reports.reportFunction);

    new CfnOutput(this, 'RawMailBucketName', {
      value: this.rawMailBucket.bucketName,
      description: 'S3 bucket of raw mail',
    });
    new CfnOutput(this, 'TicketsTableName', { value: this.table.tableName, description: 'DynamoDB table of tickets' });
    new CfnOutput(this, 'TimerStateMachineArn', {
      value: this.timerStateMachine.stateMachineArn,
      description: 'Ticket timer state machine',
    });
    new CfnOutput(this, 'ReceiptRuleSetName', {
      value: this.inboundMail.ruleSet.receiptRuleSetName,
      description: 'SES receipt rule set',
    });
    new CfnOutput(this, 'InboundDeadLetterQueueUrl', {
      value: this.inboundFunction.failureQueue!.queue.queueUrl,
      description: 'Events the inbound function failed to process after its retries (replay from here)',
    });
    // What the operator CLI reads (`triage ... --stack NAME`): the inbound function for `replay`, and the
    // department names for listing tickets (the ticket index is keyed by department).
    new CfnOutput(this, 'InboundFunctionName', {
      value: this.inboundFunction.fn.functionName,
      description: 'Inbound function (triage replay invokes it)',
    });
    new CfnOutput(this, 'ReportFunctionName', {
      value: this.reports.reportFunction.fn.functionName,
      description: 'Weekly report function (triage report --week invokes it)',
    });
    new CfnOutput(this, 'DepartmentNames', {
      value: config.departments.map((d) => d.name).join(','),
      description: 'Departments of the deployed config',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.observability.topic.topicArn,
      description: 'SNS topic every alarm notifies: subscribe pagers or chat here',
    });
    new CfnOutput(this, 'DashboardName', {
      value: this.observability.dashboard.dashboardName,
      description: 'CloudWatch dashboard of this deployment',
    });
    new CfnOutput(this, 'FeedbackTopicArn', {
      value: this.feedback.topic.topicArn,
      description: 'SNS topic of the SES bounce and complaint events (feeds the suppression list)',
    });
    new CfnOutput(this, 'FeedbackDeadLetterQueueUrl', {
      value: this.feedback.feedbackFunction.failureQueue!.queue.queueUrl,
      description: 'Bounce and complaint events the feedback function failed to process after its retries',
    });
    new CfnOutput(this, 'WebFunctionUrl', {
      value: this.web.functionUrl.url,
      description:
        'Function URL of the customer status page and survey (links in mail use web.publicUrl instead when set)',
    });
    new CfnOutput(this, 'ConfigurationSetName', {
      value: this.responders.configurationSet.configurationSetName,
      description: 'SES configuration set of outgoing mail',
    });
    new CfnOutput(this, 'InboundMxRecord', {
      value: Fn.join('', ['10 inbound-smtp.', this.region, '.amazonaws.com']),
      description: `MX record for ${config.mailDomain} and ${config.replyDomain}`,
    });
    const identity = this.responders.mailDomainIdentity;
    [
      [identity.dkimDnsTokenName1, identity.dkimDnsTokenValue1],
      [identity.dkimDnsTokenName2, identity.dkimDnsTokenValue2],
      [identity.dkimDnsTokenName3, identity.dkimDnsTokenValue3],
    ].forEach(([name, value], i) => {
      new CfnOutput(this, `DkimRecord${i + 1}`, {
        value: Fn.join(' ', [name, 'CNAME', value]),
        description: `Easy DKIM record ${i + 1} of ${config.mailDomain}`,
      });
    });
  }
}
