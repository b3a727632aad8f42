import { join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { EmailIdentity, IConfigurationSet } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import type { TriageConfig } from '../../functions/domain/config';
import type { TicketStore } from './ticket-store';
import { TriageFunction } from './triage-function';

/** Where the handler modules live. */
const FUNCTIONS_DIR = join(__dirname, '..', '..', 'functions');

/** Properties of {@link Reports}. */
export interface ReportsProps {
  /** The validated config: `reports.weekly` (recipients, schedule). */
  readonly config: TriageConfig;
  /** The deployment bundle compiled into the function (`buildDeploymentJson()`). */
  readonly deploymentJson: string;
  /** The ticket table (read only). */
  readonly ticketStore: TicketStore;
  /** The SES identity the report is sent from (the general address is at the mail domain). */
  readonly mailDomainIdentity: EmailIdentity;
  /** The configuration set every message is sent with. */
  readonly configurationSet: IConfigurationSet;
  /**
   * Handler module of the report function.
   * @default functions/reports/handler.ts
   */
  readonly entry?: string;
  /**
   * `POWERTOOLS_LOG_LEVEL` of the function.
   * @default "INFO"
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/**
 * The weekly report: a function that reads the ticket table (read only) and mails the figures to
 * the managers from the general address, and an EventBridge rule that runs it on
 * `reports.weekly.schedule` (Monday 07:00 UTC by default) with `{ "send": true }`. Without
 * recipients (`reports.weekly.to` empty) there is no rule; the function stays, for
 * `triage report --week`, which invokes it to print the same figures.
 */
export class Reports extends Construct {
  /** Builds (and on the schedule, mails) the weekly report. */
  readonly reportFunction: TriageFunction;
  /** The weekly schedule; undefined when nobody is to get the report. */
  readonly weeklyRule?: Rule;

  constructor(scope: Construct, id: string, props: ReportsProps) {
    super(scope, id);
    const table = props.ticketStore.table;
    const configurationSetArn = Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: props.configurationSet.configurationSetName,
    });

    this.reportFunction = new TriageFunction(this, 'Function', {
      entry: props.entry ?? join(FUNCTIONS_DIR, 'reports', 'handler.ts'),
      deploymentJson: props.deploymentJson,
      serviceName: 'reports',
      description:
        'Email triage: weekly report (tickets, first-response times, missed targets, backlog) to the managers',
      memorySize: 512,
      // one query per department and status, then one per new ticket of the week
      timeout: Duration.minutes(5),
      logLevel: props.logLevel,
      environment: {
        TICKETS_TABLE: table.tableName,
        SES_CONFIGURATION_SET: props.configurationSet.configurationSetName,
      },
      // EventBridge invokes asynchronously: retried twice, then the dead-letter queue (with an alarm).
      asyncInvocation: { retryAttempts: 2 },
    });
    // Read only: tickets from the index, messages (Query) and the suppression list (GetItem) from the table.
    this.reportFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'ReadTickets',
        effect: Effect.ALLOW,
        actions: ['dynamodb:Query', 'dynamodb:GetItem'],
        resources: [table.tableArn, props.ticketStore.indexArn],
      }),
    );
    this.reportFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'SendReport',
        effect: Effect.ALLOW,
        actions: ['ses:SendRawEmail'],
        resources: [props.mailDomainIdentity.emailIdentityArn, configurationSetArn],
      }),
    );

    const weekly = props.config.reports.weekly;
    if (weekly.to.length > 0) {
      this.weeklyRule = new Rule(this, 'WeeklySchedule', {
        description: `Email triage: weekly report to ${weekly.to.join(', ')}`,
        schedule: Schedule.expression(weekly.schedule),
        targets: [
          new LambdaFunction(this.reportFunction.fn, {
            event: RuleTargetInput.fromObject({ send: true }),
            retryAttempts: 2,
          }),
        ],
      });
    }
  }
}
