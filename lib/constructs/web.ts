import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType, InvokeMode, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { TICKET_PARTITION_PATTERN } from '../../functions/adapters/table-layout';
import type { TicketStore } from './ticket-store';
import { TriageFunction } from './triage-function';

/** Where the handler modules live. */
const FUNCTIONS_DIR = join(__dirname, '..', '..', 'functions');

/** Properties of {@link Web}. */
export interface WebProps {
  /** The deployment bundle compiled into the function (`buildDeploymentJson()`): config and the page templates. */
  readonly deploymentJson: string;
  /** The ticket table: tickets and their messages are read, the survey answer written. */
  readonly ticketStore: TicketStore;
  /** The link signing key (the reply-token secret). */
  readonly replyTokenSecret: ISecret;
  /**
   * A custom domain in front of the function (config `web.publicUrl`): the links in mail use it.
   * @default - the function URL
   */
  readonly publicUrl?: string;
  /**
   * Handler module of the web function.
   * @default functions/web/handler.ts
   */
  readonly entry?: string;
  /**
   * `POWERTOOLS_LOG_LEVEL` of the function.
   * @default "INFO"
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/**
 * The customer-facing web pages: the ticket status page linked from every acknowledgement and the
 * satisfaction survey of the closing mail. One function behind a Lambda function URL with
 * `authType: NONE`: public by design, because the customer has no account; the signed, expiring token
 * in each link is the authorisation (functions/domain/signed-link.ts), and a forged or expired one
 * gets 403 and no data. Its role reads ticket items only (partition keys `TICKET#...`) and may change
 * nothing but the survey answer.
 */
export class Web extends Construct {
  /** Renders the status and survey pages. */
  readonly webFunction: TriageFunction;
  /** The function's public HTTPS endpoint. */
  readonly functionUrl: FunctionUrl;
  /** What links in mail start with: `publicUrl` when given, else the function URL (ends with `/`). */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: WebProps) {
    super(scope, id);
    const table = props.ticketStore.table;

    this.webFunction = new TriageFunction(this, 'Web', {
      entry: props.entry ?? join(FUNCTIONS_DIR, 'web', 'handler.ts'),
      deploymentJson: props.deploymentJson,
      serviceName: 'web',
      description: 'Email triage: the customer status page and satisfaction survey (signed links)',
      memorySize: 256,
      timeout: Duration.seconds(10),
      logLevel: props.logLevel,
      environment: {
        TICKETS_TABLE: table.tableName,
        REPLY_TOKEN_SECRET_ID: props.replyTokenSecret.secretArn,
      },
    });
    this.functionUrl = this.webFunction.fn.addFunctionUrl({
      authType: FunctionUrlAuthType.NONE,
      invokeMode: InvokeMode.BUFFERED,
    });
    this.baseUrl = props.publicUrl ?? this.functionUrl.url;

    // Ticket items only: the ticket (sk TICKET) and its messages (sk MSG#...) share the partition key
    // TICKET#<id>; claims, counters, the suppression list and the Message-ID index stay out of reach.
    const ticketItemsOnly = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [TICKET_PARTITION_PATTERN] } };
    this.webFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'ReadTickets',
        effect: Effect.ALLOW,
        actions: ['dynamodb:GetItem', 'dynamodb:Query'],
        resources: [table.tableArn],
        conditions: ticketItemsOnly,
      }),
    );
    this.webFunction.addToRolePolicy(
      new PolicyStatement({
        // The survey's one write: `SET satisfaction, version` on a ticket item, nothing else.
        sid: 'RecordSurveyAnswer',
        effect: Effect.ALLOW,
        actions: ['dynamodb:UpdateItem'],
        resources: [table.tableArn],
        conditions: {
          ...ticketItemsOnly,
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'satisfaction', 'version'] },
        },
      }),
    );
    this.webFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'ReadLinkSigningKey',
        effect: Effect.ALLOW,
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.replyTokenSecret.secretArn],
      }),
    );
  }
}
