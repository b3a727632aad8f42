import './polyfills';
import { mkdirSync, rmSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { join, resolve } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { TriageConfig } from '../../functions/domain/config';
import { buildDeploymentJson } from '../config/deployment';
import { DEFAULT_CONFIG_PATH, loadConfigFile } from '../config/load';
import { Activity } from './activity';
import { LOCAL_REGION } from './cfn';
import { createTables, startDynamo } from './dynamodb';
import { LocalStackError } from './errors';
import { httpListener, Outages, replayDeadLetters, type LocalTestHooks } from './faults';
import { functionEnvironment, sdkEnvironment, type LocalEndpoints } from './function-env';
import { HOST, resolvePorts, type ServiceName } from './listen';
import type { Outbox } from './outbox';
import { REPO_ROOT, stateLayout, type StateLayout } from './paths';
import { startS3 } from './s3';
import { buildS3Event } from './s3-event';
import { matches } from './s3-notifications';
import { startSecrets } from './secrets';
import { startSes } from './ses';
import { feedbackRoutes, LocalSesFeedback } from './ses-feedback';
import { startSfn } from './sfn-api';
import { Executions } from './sfn-executions';
import { startSmtp } from './smtp';
import { startFunctionUrl } from './function-url';
import { liveStackFile, removeStackFile, writeStackFile } from './stack-file';
import { createFunctions, loadFunctions, localOverrides } from './stack-functions';
import { Stoppers, whenIdle } from './stack-lifecycle';
import { readStackTemplate } from './stack-template';

/**
 * The whole system on one machine, no AWS account: the handler modules that ship to Lambda, called
 * with the events Lambda would pass, their unchanged SDK v3 clients pointed at local emulators through
 * the standard `AWS_ENDPOINT_URL_*` variables. Nothing in functions/ knows it runs locally.
 *
 *   SMTP (smtp.ts) -> S3 (s3rver) -> S3 event -> inbound handler -> DynamoDB (dynalite),
 *   SES (ses.ts, outbox), Secrets Manager (secrets.ts), Step Functions (sfn-*.ts) -> timer handler
 *
 * Everything is read from the synthesised CDK template: table schema, bucket, notifications, state
 * machine definition, the functions' environment. See lib/local/README.md.
 */

export interface LocalStackOptions {
  /** where state lives (`.triage/` for `npm start`) */
  stateDir: string;
  /**
   * per-service ports; 0 picks a free port. Defaults: smtp 2525, s3 4569, dynamodb 8000, ses 8005, secretsmanager 8006,
   * sfn 8083, web 8080; when every port given is 0 (an isolated stack), the ones not given are 0 too.
   */
  ports?: Partial<Record<ServiceName, number>>;
  /** delete the state directory first */
  reset?: boolean;
  /** how many times faster than real time the timers' waits run (default 1) */
  timeScale?: number;
  /** the YAML config (default: triage.config.yaml in the repository) */
  configPath?: string;
  /** one line per event worth telling (handler runs, mail stored, timers ...); default console.log */
  log?: (line: string) => void;
  /** Powertools logs at the template's level (default WARN locally), metrics printed, stack traces of handler errors */
  verbose?: boolean;
  /** delays before the two retries of a failed asynchronous invocation (default [1000, 2000] ms) */
  retryDelaysMs?: number[];
  /** module exporting TriageStack (default lib/triage-stack.ts) */
  stackModule?: string;
  /** SES maximum send rate in recipients per second, above which SendRawEmail answers `Throttling` (default: $TRIAGE_SES_MAX_SEND_RATE, else no limit) */
  sesMaxSendRate?: number;
  /** POWERTOOLS_LOG_LEVEL of the functions (default WARN, or the template's level with `verbose`); tests that inject faults use SILENT */
  functionLogLevel?: string;
  /**
   * Endpoints the functions use instead of the emulators' own, for tests that put a proxy in between
   * (an outage of one API call, say). Each function reads its endpoints when its thread starts.
   * @default the emulators' endpoints
   */
  functionEndpoints?: Partial<LocalEndpoints>;
  /**
   * Modules each function thread loads before its handler module (TypeScript allowed): the benchmark's
   * counter of AWS calls watches the requests the handlers send from there.
   * @default none
   */
  functionPreload?: string[];
}

export interface LocalStackEvents {
  /** every handler run: InvocationRecord */
  invocation: [import('./lambda-runtime').InvocationRecord];
  /** an S3 event that failed three times: { logicalId, label, file, error } */
  deadLetter: [{ logicalId: string; label: string; file: string; error: { errorType: string; errorMessage: string } }];
  /** every message the SES emulator stored: OutboxEntry */
  sent: [import('./outbox').OutboxEntry];
  /** execution started / resumed / finished: ExecutionRecord */
  execution: [import('./sfn-executions').ExecutionRecord];
  /** a mail accepted over SMTP and stored in S3 */
  mail: [import('./smtp').StoredMail];
}

export interface LocalStack {
  config: TriageConfig;
  configPath: string;
  layout: StateLayout;
  ports: Record<ServiceName, number>;
  /** http://127.0.0.1:<port> per AWS service, smtp://127.0.0.1:<port> for SMTP, http://127.0.0.1:<port>/ for the web function's URL ('' without one) */
  endpoints: Record<ServiceName, string>;
  region: string;
  tableName: string;
  bucketName: string;
  stateMachineArn: string;
  replyTokenSecretId?: string;
  timeScale: number;
  /** environment the handlers run with (template variables resolved + SDK endpoints) */
  functionEnvironment: Record<string, string>;
  outbox: Outbox;
  events: EventEmitter<LocalStackEvents>;
  /** The stored bytes of an object of the raw mail bucket (e.g. a message's `rawKey`). */
  readRawMail(key: string): Promise<Buffer>;
  /** ms from startLocalStack() to ready */
  startupMs: number;
  /**
   * Resolves when nothing is in flight: no SMTP delivery, no queued or running handler invocation (retries
   * included), no execution between states. Executions sleeping in a Wait count as idle unless
   * `timers: true`, which also waits for every running execution to finish.
   */
  whenIdle(options?: { timers?: boolean; timeoutMs?: number }): Promise<void>;
  /** Stops accepting mail, lets in-flight work finish (up to 5 s), stops everything; running timers resume on the next start. */
  stop(): Promise<void>;
  /** Bounces, complaints, outages, throttling and DLQ replay for tests (faults.ts, lib/local/README.md "Test hooks"). */
  testHooks: LocalTestHooks;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => console.log(line));
  const layout = stateLayout(options.stateDir);
  const timeScale = options.timeScale ?? 1;
  if (!(Number.isFinite(timeScale) && timeScale > 0))
    throw new LocalStackError(`the time scale must be a positive number, got ${timeScale}`);
  const sesMaxSendRate =
    options.sesMaxSendRate ??
    (process.env.TRIAGE_SES_MAX_SEND_RATE ? Number(process.env.TRIAGE_SES_MAX_SEND_RATE) : undefined);
  if (sesMaxSendRate !== undefined && !(Number.isFinite(sesMaxSendRate) && sesMaxSendRate > 0)) {
    throw new LocalStackError(
      `the SES maximum send rate (TRIAGE_SES_MAX_SEND_RATE) must be a positive number of recipients per second, got ${sesMaxSendRate}`,
    );
  }
  const configPath = resolve(options.configPath ?? join(REPO_ROOT, DEFAULT_CONFIG_PATH));
  const config = loadConfigFile(configPath);
  const deploymentJson = buildDeploymentJson(configPath);

  const other = liveStackFile(layout.stackFile);
  if (other)
    throw new LocalStackError(
      `another local stack (pid ${other.pid}) is running with the state directory ${layout.root}; stop it first`,
    );
  if (options.reset) rmSync(layout.root, { recursive: true, force: true });
  mkdirSync(layout.root, { recursive: true });

  // 1. the CDK stack, synthesised in-process
  const template = readStackTemplate({ config, deploymentJson, stackModule: options.stackModule, log });
  const { resources, functionIds, tableName, bucketName, stateMachineArn, replyTokenSecretId } = template;
  const webFunctionId = template.functionUrl?.functionId;

  const ports = resolvePorts(options.ports);
  const stoppers = new Stoppers();
  let stopped = false;
  const events = new EventEmitter<LocalStackEvents>();
  const activity = new Activity();
  let restoreEnv: () => void = () => undefined;
  let s3Client: S3Client | undefined;
  const cleanup = async () => {
    await stoppers.stopAll();
    s3Client?.destroy();
    restoreEnv();
  };

  try {
    // 2. emulators (in parallel: each only needs its port), and the function URL (it invokes the web function once loaded)
    let invokeWeb: (event: unknown, label: string) => Promise<unknown> = () =>
      Promise.reject(new Error('the web function is not loaded yet'));
    const [dynamo, s3, ses, secrets, web] = await stoppers.startAll([
      startDynamo({ dir: layout.dynamodb, port: ports.dynamodb }),
      startS3({
        dir: layout.s3,
        port: ports.s3,
        buckets: resources.ofType('AWS::S3::Bucket').map((id) => resources.name(id)),
      }),
      startSes({ port: ports.ses, outboxDir: layout.outbox, maxSendRate: sesMaxSendRate }),
      startSecrets({
        port: ports.secretsmanager,
        file: layout.secrets,
        secrets: resources
          .ofType('AWS::SecretsManager::Secret')
          .map((id) => ({ name: resources.name(id), arn: resources.arn(id) })),
      }),
      webFunctionId
        ? startFunctionUrl({ port: ports.web, invoke: (event, label) => invokeWeb(event, label) })
        : Promise.resolve({ port: 0, url: '', stop: async () => undefined }),
    ] as const);
    ses.events.on('sent', (entry) => events.emit('sent', entry));
    Object.assign(ports, {
      dynamodb: dynamo.port,
      s3: s3.port,
      ses: ses.port,
      secretsmanager: secrets.port,
      web: web.port,
    });
    if (template.functionUrl && web.url) resources.functionUrls.set(template.functionUrl.id, web.url);
    const fnEnv = functionEnvironment(resources, functionIds);
    for (const w of fnEnv.warnings) log(`warning: ${w}`);

    // 3. the functions' environment, then the handler modules (they create their SDK clients on load)
    const overrides = localOverrides({
      deploymentJson,
      templateEnvironment: fnEnv,
      functionLogLevel: options.functionLogLevel,
      verbose: options.verbose,
      webUrl: web.url,
    });
    const lambda = createFunctions(template, {
      activity,
      log,
      dlqDir: layout.dlq,
      retryDelaysMs: options.retryDelaysMs,
      verbose: options.verbose,
      preload: options.functionPreload,
    });
    // pushed before the executions' shutdown, so it runs after it: an execution waiting on a function is kept to resume
    stoppers.push(() => lambda.stop());
    lambda.on('invocation', (rec) => events.emit('invocation', rec));
    if (webFunctionId) invokeWeb = (event, label) => lambda.invoke(webFunctionId, event, label);
    lambda.on('deadLetter', (d) => events.emit('deadLetter', d));
    const sesFeedback = new LocalSesFeedback({
      routes: feedbackRoutes(resources, functionIds),
      invokeAsync: (id, event, label) => lambda.invokeAsync(id, event, label),
      listSent: () => ses.outbox.list(),
      activity,
      log,
    });
    ses.events.on('sent', (entry) => sesFeedback.onSent(entry));
    const executions = new Executions({
      machines: template.machines,
      lambda,
      activity,
      timeScale,
      file: layout.executions,
      log,
      verbose: options.verbose,
    });
    executions.on('execution', (r) => events.emit('execution', r));
    const [sfn] = await stoppers.startAll([startSfn({ port: ports.sfn, executions })] as const);
    stoppers.push(async () => executions.shutdown());
    ports.sfn = sfn.port;

    const endpoints = {
      s3: s3.endpoint,
      dynamodb: dynamo.endpoint,
      ses: ses.endpoint,
      secretsmanager: secrets.endpoint,
      sfn: sfn.endpoint,
    };
    // The threads load their modules while the tables and the SMTP server come up (awaited before step 6).
    const functions = loadFunctions(lambda, {
      template: fnEnv,
      overrides,
      endpoints,
      functionEndpoints: options.functionEndpoints,
    });
    restoreEnv = functions.restoreEnv;

    // 4. resources, S3 -> Lambda wiring
    await createTables(dynamo.endpoint, resources, log);
    s3.onObjectCreated((record) => {
      for (const n of template.notifications) {
        if (!matches(n, record.s3.bucket.name, record.eventName, record.s3.object.key)) continue;
        lambda.invokeAsync(n.functionLogicalId, buildS3Event(record, n.id), record.s3.object.key);
      }
    });

    // 5. mail in
    s3Client = new S3Client({
      endpoint: s3.endpoint,
      region: LOCAL_REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const [smtp] = await stoppers.startAll([
      startSmtp({
        port: ports.smtp,
        config,
        s3: s3Client,
        rules: template.receiptRules,
        activity,
        log,
        onStored: (m) => events.emit('mail', m),
      }),
    ] as const);
    ports.smtp = smtp.port;

    // 6. ready once every function has loaded
    await functions.loaded;
    const resumed = executions.resumePending();
    if (resumed === 0) setTimeout(() => !stopped && executions.warm(), 50).unref();
    if (resumed > 0) log(`resumed ${resumed} running timer execution(s) from ${layout.executions}`);

    const allEndpoints: Record<ServiceName, string> = {
      ...endpoints,
      smtp: `smtp://${HOST}:${smtp.port}`,
      web: web.url,
    };
    writeStackFile(layout.stackFile, {
      pid: process.pid,
      region: LOCAL_REGION,
      endpoints: { ...allEndpoints, web: web.url || undefined },
      tableName,
      bucketName,
      stateMachineArn,
      outboxDir: layout.outbox,
      stateDir: layout.root,
      dlqDir: layout.dlq,
      replyTokenSecretId,
      configPath,
      timeScale,
      startedAt: new Date().toISOString(),
    });

    const outages = new Outages(
      { ses: httpListener(ses.server, ses.port, 'ses'), dynamodb: { port: dynamo.port, ...dynamo.listener } },
      log,
    );
    stoppers.push(() => outages.restoreAll()); // runs first: a stopped emulator cannot be shut down cleanly
    let stopping: Promise<void> | undefined;
    const stack: LocalStack = {
      config,
      configPath,
      layout,
      ports,
      endpoints: allEndpoints,
      region: LOCAL_REGION,
      tableName,
      bucketName,
      stateMachineArn,
      replyTokenSecretId,
      timeScale,
      functionEnvironment: {
        ...fnEnv.shared,
        ...overrides,
        ...(Object.fromEntries(Object.entries(sdkEnvironment(endpoints)).filter(([, v]) => v !== undefined)) as Record<
          string,
          string
        >),
      },
      outbox: ses.outbox,
      events,
      readRawMail: async (key) => {
        const out = await s3Client!.send(new GetObjectCommand({ Bucket: bucketName, Key: key }));
        return Buffer.from(await out.Body!.transformToByteArray());
      },
      startupMs: Date.now() - started,
      testHooks: {
        feedback: sesFeedback,
        ses,
        outage: outages,
        replayDeadLetters: () =>
          replayDeadLetters(
            layout.dlq,
            (name) => functionIds.find((id) => resources.name(id) === name),
            (id, event, label) => lambda.invokeAsync(id, event, label),
            log,
          ),
      },
      whenIdle: (idle) => whenIdle(activity, executions, idle),
      stop: () =>
        (stopping ??= (async () => {
          stopped = true;
          await smtp.stop(); // no new mail first (stop is idempotent; cleanup calls it again)
          await Promise.race([activity.whenIdle(), new Promise((r) => setTimeout(r, 5000).unref())]);
          await cleanup();
          removeStackFile(layout.stackFile);
        })()),
    };
    return stack;
  } catch (err) {
    await cleanup();
    throw err;
  }
}
