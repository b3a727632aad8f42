import { resolve, sep } from 'node:path';
import type { S3Event } from 'aws-lambda';
import type { ObjectOutcome } from '../../../functions/ports';
import { InboundFailure } from './target';
import type { StackFile } from '../../local/stack-file';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/** A function other than the inbound one ran locally and failed. */
export class LocalInvokeFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalInvokeFailure';
  }
}

/**
 * The inbound handler module, loaded in this process the way the local stack loads it: the stack is
 * synthesised (bundling skipped, about a second) for the function's environment with `Ref`s resolved to
 * local names, the SDK is pointed at the running stack's emulators, and the module is required. Its logs
 * are silenced (the outcome is what the CLI prints) and its metrics are off, as in `npm start`.
 */
export function localInboundHandler(stack: StackFile): (event: S3Event) => Promise<ObjectOutcome[]> {
  const invoke = localHandler(stack, 'inboundFunction');
  return async (event) => (await invoke(event)) as ObjectOutcome[];
}

/**
 * The handler module of one function of the stack (a part `TriageStack` names), loaded as
 * {@link localInboundHandler} loads the inbound one; the returned function invokes it synchronously
 * with a JSON round trip and turns its error into an {@link InboundFailure}-like {@link LocalInvokeFailure}.
 */
export function localHandler(
  stack: StackFile,
  part: 'inboundFunction' | 'reportFunction',
): (event: unknown) => Promise<unknown> {
  // Loaded here, not at the top: only `replay` needs the CDK app in the CLI process.
  const { loadConfigFile } = require('../../config/load') as typeof import('../../config/load');
  const { buildDeploymentJson } = require('../../config/deployment') as typeof import('../../config/deployment');
  const { synthesizeStack } = require('../../local/synth') as typeof import('../../local/synth');
  const { LocalResources } = require('../../local/cfn') as typeof import('../../local/cfn');
  const { applyEnvironment, functionEnvironment, sdkEnvironment } =
    require('../../local/function-env') as typeof import('../../local/function-env');

  const configPath = stack.configPath ?? 'triage.config.yaml';
  const config = loadConfigFile(configPath);
  const deploymentJson = buildDeploymentJson(configPath);
  const synth = synthesizeStack({ config, deploymentJson });
  const resources = new LocalResources(synth.template, synth.stackName);
  const functionIds = Object.keys(synth.functions).filter(
    (id) => synth.template.Resources[id]?.Type === 'AWS::Lambda::Function',
  );
  const inboundId = synth.parts[part];
  if (!inboundId || !synth.functions[inboundId]) throw new Error(`the synthesised stack has no ${part}`);
  const env = functionEnvironment(resources, functionIds);

  applyEnvironment({
    ...env.shared,
    ...env.perFunction[inboundId],
    TRIAGE_DEPLOYMENT: deploymentJson,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...sdkEnvironment(stack.endpoints),
    // the running stack's own names win (lib/ may have changed since it started)
    TICKETS_TABLE: stack.tableName,
    RAW_MAIL_BUCKET: stack.bucketName,
    ...(stack.stateMachineArn ? { TIMER_STATE_MACHINE_ARN: stack.stateMachineArn } : {}),
    ...(stack.replyTokenSecretId ? { REPLY_TOKEN_SECRET_ID: stack.replyTokenSecretId } : {}),
  });
  const { entry, handlerName } = synth.functions[inboundId];
  // A fresh copy of functions/, as in a container of its own: modules the synth loaded (with this
  // process's environment) must not be shared with the handler.
  const functionsDir = `${resolve(__dirname, '..', '..', '..', 'functions')}${sep}`;
  for (const key of Object.keys(require.cache)) if (key.startsWith(functionsDir)) delete require.cache[key];
  const handler = (require(entry) as Record<string, unknown>)[handlerName] as Handler | undefined;
  if (typeof handler !== 'function') throw new Error(`${entry} does not export ${handlerName}`);

  return async (event) => {
    try {
      // JSON in and out, as across the Lambda boundary
      const result = await handler(JSON.parse(JSON.stringify(event)), {
        functionName: resources.name(inboundId),
        functionVersion: '$LATEST',
        invokedFunctionArn: resources.arn(inboundId),
        memoryLimitInMB: String(resources.resource(inboundId).Properties?.MemorySize ?? 128),
        awsRequestId: `cli-${Date.now()}`,
        getRemainingTimeInMillis: () => Number(resources.resource(inboundId).Properties?.Timeout ?? 3) * 1000,
      });
      return JSON.parse(JSON.stringify(result ?? (part === 'inboundFunction' ? [] : null)));
    } catch (err) {
      const message = (err as Error)?.message ?? String(err);
      throw part === 'inboundFunction'
        ? new InboundFailure(message)
        : new LocalInvokeFailure(`${(err as Error)?.name ?? 'Error'}: ${message}`);
    }
  };
}
