import { resolve } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';
import { FailureQueue } from './failure-queue';

/** Namespace of the Powertools metrics of every function (contract). */
export const METRICS_NAMESPACE = 'EmailTriage';

/** Properties of a {@link TriageFunction}. */
export interface TriageFunctionProps {
  /** Path of the handler module (TypeScript); made absolute. */
  readonly entry: string;
  /**
   * Name of the exported handler in the entry module.
   * @default "handler"
   */
  readonly handlerName?: string;
  /**
   * The deployment bundle (`buildDeploymentJson()`): config and templates, compiled into the code as
   * `process.env.TRIAGE_DEPLOYMENT` with esbuild `define` (not a Lambda environment variable: those are
   * limited to 4 KB in total).
   */
  readonly deploymentJson: string;
  /** Powertools service name of this function (`POWERTOOLS_SERVICE_NAME`), e.g. "inbound". */
  readonly serviceName: string;
  /** What the function does, shown in the console. @default - none */
  readonly description?: string;
  /**
   * Environment variables from the contract (TICKETS_TABLE, RAW_MAIL_BUCKET, ...). The Powertools
   * variables and NODE_OPTIONS are added here.
   * @default - only the Powertools variables and NODE_OPTIONS
   */
  readonly environment?: Record<string, string>;
  /** @default 256 (MiB) */
  readonly memorySize?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /**
   * `POWERTOOLS_LOG_LEVEL`.
   * @default "INFO"
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /**
   * Retention of the function's dedicated log group.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
  /**
   * Set for functions invoked asynchronously (for example by S3 notifications): failed events are
   * retried `retryAttempts` times, then sent to an encrypted SQS dead-letter queue with an alarm.
   * Leave unset for functions invoked synchronously (a Step Functions task retries by itself).
   * @default - no asynchronous invocation config, no dead-letter queue
   */
  readonly asyncInvocation?: {
    /** @default 2 */
    readonly retryAttempts?: number;
    /** @default Duration.hours(6) (the Lambda maximum) */
    readonly maxEventAge?: Duration;
  };
}

/**
 * A function of the app with the defaults every function shares: Node.js 22 on arm64, bundled with
 * esbuild (minified, source maps), X-Ray tracing, a dedicated log group with retention, Powertools
 * settings, the deployment bundle compiled in, and a role of its own (no managed policies; the caller
 * adds explicit statements with {@link TriageFunction.addToRolePolicy}).
 */
export class TriageFunction extends Construct {
  /** Absolute path of the handler module (the local stack imports it directly). */
  readonly entry: string;
  /** Name of the exported handler ("handler"). */
  readonly handlerName: string;
  /** The Lambda function. */
  readonly fn: NodejsFunction;
  /** The function's own role. */
  readonly role: Role;
  /** The function's log group. */
  readonly logGroup: LogGroup;
  /** Dead-letter queue and alarm, when `asyncInvocation` is set. */
  readonly failureQueue?: FailureQueue;

  constructor(scope: Construct, id: string, props: TriageFunctionProps) {
    super(scope, id);
    this.entry = resolve(props.entry);
    this.handlerName = props.handlerName ?? 'handler';

    // Operational logs only; the records that matter (raw mail, tickets) are kept elsewhere and retained.
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Role of the ${props.serviceName} function (explicit least-privilege statements only)`,
    });
    // Instead of the AWSLambdaBasicExecutionRole managed policy (which allows every log group):
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      entry: this.entry,
      handler: this.handlerName,
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.CJS,
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Prefer the ES module builds of dependencies (the SDK v3 clients): smaller bundles.
        mainFields: ['module', 'main'],
        // The AWS SDK v3 clients are bundled, not taken from the runtime: the versions we test
        // against (package-lock.json) are the versions that run, the runtime's copy lags and
        // changes under us, and one bundled file loads faster than resolving the runtime's node_modules.
        bundleAwsSDK: true,
        externalModules: [],
        // A JS string literal: the functions read process.env.TRIAGE_DEPLOYMENT as a string.
        // esbuild receives it as one argument (no shell); on Linux one argument may hold up to
        // 128 KiB, which bounds config + templates.
        define: { 'process.env.TRIAGE_DEPLOYMENT': JSON.stringify(props.deploymentJson) },
      },
    });

    acknowledge(
      this.role.node.findChild('DefaultPolicy'),
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only the statement that active tracing adds (xray:PutTraceSegments, xray:PutTelemetryRecords): ' +
          'X-Ray does not support resource-level permissions. Every other statement of this role names its resources.',
      },
    );
    acknowledge(this.fn, {
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is pinned on purpose: the esbuild target, the local stack (aws-local-stepfunctions needs Node >= 22) ' +
        'and the tests run on 22; moving to a newer runtime is a deliberate, tested upgrade.',
    });

    if (props.asyncInvocation) {
      this.failureQueue = new FailureQueue(this, 'Failures', { subject: `${props.serviceName} function` });
      this.fn.configureAsyncInvoke({
        retryAttempts: props.asyncInvocation.retryAttempts ?? 2,
        maxEventAge: props.asyncInvocation.maxEventAge ?? Duration.hours(6),
        onFailure: new SqsDestination(this.failureQueue.queue),
      });
    }
  }

  /** Adds an explicit statement to this function's own role. */
  addToRolePolicy(statement: PolicyStatement): void {
    this.fn.addToRolePolicy(statement);
  }

  /** Sets an environment variable (for values known only after the function exists). */
  addEnvironment(name: string, value: string): void {
    this.fn.addEnvironment(name, value);
  }
}
