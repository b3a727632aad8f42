import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { gzipSync } from 'node:zlib';
import { GZIP_PREFIX } from '../../functions/shared/deployment';
import { acknowledge } from '../nag';
import { FailureQueue } from './failure-queue';

/** Namespace of the Powertools metrics of every function (the dashboard and alarms read it). */
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
   * Environment variables the handler reads (TICKETS_TABLE, RAW_MAIL_BUCKET, ...). The Powertools
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

/** Stand-ins for modules the Lambda bundles never use (see `bundlingOptions`). */
const STUBS = join(__dirname, 'bundle-stubs');

/** `entities` and `entities/decode` -> the ES build of the `entities` that htmlparser2 resolves. */
function entitiesAliases(): string[] {
  const htmlparser2 = dirname(require.resolve('htmlparser2'));
  // .../entities/dist/commonjs/index.js -> .../entities (its package.json exports no ./package.json)
  const root = dirname(dirname(dirname(require.resolve('entities', { paths: [htmlparser2] }))));
  const files = {
    entities: join(root, 'dist', 'esm', 'index.js'),
    'entities/decode': join(root, 'dist', 'esm', 'decode.js'),
  };
  for (const file of Object.values(files))
    if (!existsSync(file))
      throw new Error(
        `bundling: expected the ES build of entities at ${file}; its layout changed, update entitiesAliases()`,
      );
  return Object.entries(files).map(([name, file]) => `${name}=${file}`);
}

/**
 * The deployment JSON as the bundles carry it: gzipped, in base64 (`gzip:...`), read back by
 * `functions/shared/deployment.ts`. -27 KiB of the inbound bundle (config and templates in three languages).
 */
export function packDeployment(deploymentJson: string): string {
  return `${GZIP_PREFIX}${gzipSync(deploymentJson, { level: 9 }).toString('base64')}`;
}

/**
 * How the functions are bundled (esbuild through NodejsFunction). `npm run bench` measures each choice
 * below (docs/benchmarks.md); the sizes given are what it saves of the minified inbound bundle.
 */
export function bundlingOptions(deploymentJson: string): BundlingOptions {
  return {
    format: OutputFormat.CJS,
    target: 'node22',
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    // Prefer the ES module builds of dependencies (the SDK v3 clients): they tree-shake.
    mainFields: ['module', 'main'],
    // The AWS SDK v3 comes from the Lambda runtime (Node.js 22 ships the whole v3 SDK), not from the
    // bundle: bundled, it is about a third of the inbound bundle, and no trimming of our own
    // dependencies brings that bundle under its 1,024 KiB budget with it (docs/benchmarks.md). The
    // price: requiring the runtime's clients costs more at cold start than a bundled, tree-shaken copy
    // (about 40 ms), which the cuts below win back. The runtime's SDK version is not ours: the code
    // uses only long-standing client APIs (GetObject, PutObject, the document client, SendRawEmail,
    // StartExecution, GetSecretValue).
    bundleAwsSDK: false,
    externalModules: ['@aws-sdk/*', '@smithy/*'],
    // A JS string literal: the functions read process.env.TRIAGE_DEPLOYMENT as a string.
    // esbuild receives it as one argument (no shell); on Linux one argument may hold up to
    // 128 KiB, which bounds config + templates.
    define: {
      'process.env.TRIAGE_DEPLOYMENT': JSON.stringify(packDeployment(deploymentJson)),
      // ES-module-only dependencies (email-reply-parser) call createRequire(import.meta.url), which a
      // CommonJS bundle leaves empty: without this the bundle throws while loading (Lambda INIT fails).
      'import.meta.url': '__importMetaUrl',
    },
    banner: 'const __importMetaUrl=require("url").pathToFileURL(__filename).href;',
    // `npm run bench` bundles the mail reader with these options and checks that it reads the corpus
    // and mail in every double-byte charset exactly as the source does.
    esbuildArgs: {
      // Non-ASCII text (the charset tables of iconv-lite and encoding-japanese, HTML entity names) as
      // UTF-8 instead of \uXXXX escapes: the same strings in about half the bytes (-220 KiB).
      // (NodejsFunction's own `charset` option is not passed on to esbuild by this CDK version.)
      '--charset': 'utf8',
      '--alias': [
        // mailparser imports libmime's ES build, mailsplit requires its CommonJS build: one copy, not two (-88 KiB).
        `libmime=${require.resolve('libmime')}`,
        // handlebars loads source-map only to emit source maps of compiled templates, which we never ask
        // for; without it handlebars uses its own minimal SourceNode (-26 KiB).
        `source-map=${join(STUBS, 'empty.js')}`,
        // mailparser compiles linkify-it's every-TLD pattern on load, for links in textAsHtml, which
        // MailparserReader switches off: a stub that finds no links, and no TLD list for it
        // (-34 KiB, ~20 ms of each cold start).
        `linkify-it=${join(STUBS, 'linkify-it.js')}`,
        `tlds=${join(STUBS, 'empty.js')}`,
        // mailparser uses he only to HTML-escape addresses; `entities`, already bundled for htmlparser2,
        // escapes the same characters without a second entity table (-73 KiB).
        `he=${join(STUBS, 'he.mjs')}`,
        // libmime decodes ISO-2022-JP with encoding-japanese and its own JIS tables (87 KiB); the stand-in
        // turns ISO-2022-JP into EUC-JP and decodes that with iconv-lite's tables, already in the bundle.
        `encoding-japanese=${join(STUBS, 'encoding-japanese.js')}`,
        // iconv-lite (libmime's own copy, for libmime and the stand-in above) with its double-byte codecs
        // built on first use instead of when libmime loads (~15 ms of each cold start, see the stub).
        `iconv-lite=${join(STUBS, 'iconv-lite.js')}`,
        `libmime-iconv-lite=${dirname(dirname(require.resolve('iconv-lite', { paths: [dirname(require.resolve('libmime'))] })))}`,
        // Two versions of `entities` came along: 7 (htmlparser2, which mailparser's html-to-text parses
        // HTML with) and 4 (dom-serializer, and the he stand-in), each with its own table of every HTML
        // entity. dom-serializer uses only encodeXML, escapeAttribute and escapeText, which 7 exports
        // unchanged: one copy, the ES build of 7 (-41 KiB).
        ...entitiesAliases(),
      ],
    },
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
      bundling: bundlingOptions(props.deploymentJson),
    });

    acknowledge(this.role.node.findChild('DefaultPolicy'), {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the statement that active tracing adds (xray:PutTraceSegments, xray:PutTelemetryRecords): ' +
        'X-Ray does not support resource-level permissions. Every other statement of this role names its resources.',
    });
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
