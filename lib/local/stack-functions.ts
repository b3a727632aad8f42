import type { Activity } from './activity';
import type { LocalResources } from './cfn';
import { applyEnvironment, sdkEnvironment, type FunctionEnvironment, type LocalEndpoints } from './function-env';
import { LocalLambda, type LocalFunction } from './lambda-runtime';
import { functionLabel, type StackTemplate } from './stack-template';

/**
 * The stack's functions as the local stack runs them: one thread per function (lambda-runtime.ts), with
 * the template's settings (memory, timeout, async retries) and each function's own environment.
 */

/** MaximumRetryAttempts of the function's AWS::Lambda::EventInvokeConfig (Lambda's default: 2). */
function asyncRetries(resources: LocalResources, functionLogicalId: string): number {
  const name = resources.name(functionLogicalId);
  for (const id of resources.ofType('AWS::Lambda::EventInvokeConfig')) {
    const props = resources.resource(id).Properties ?? {};
    if (String(resources.resolve(props.FunctionName)) === name && typeof props.MaximumRetryAttempts === 'number')
      return props.MaximumRetryAttempts;
  }
  return 2;
}

/** The runtime of the template's functions; nothing is loaded until {@link loadFunctions}. */
export function createFunctions(
  template: StackTemplate,
  options: {
    activity: Activity;
    log: (line: string) => void;
    dlqDir: string;
    retryDelaysMs?: number[];
    verbose?: boolean;
    preload?: string[];
  },
): LocalLambda {
  const { synth, resources } = template;
  return new LocalLambda({
    functions: template.functionIds.map((id): LocalFunction => {
      const props = resources.resource(id).Properties ?? {};
      return {
        logicalId: id,
        name: resources.name(id),
        label: functionLabel(synth.functions[id].entry),
        arn: resources.arn(id),
        entry: synth.functions[id].entry,
        handlerName: synth.functions[id].handlerName,
        memoryMB: Number(props.MemorySize ?? 128),
        timeoutSeconds: Number(props.Timeout ?? 3),
        asyncRetries: asyncRetries(resources, id),
      };
    }),
    ...options,
  });
}

/** What the local stack sets on top of the template's variables of every function. */
export function localOverrides(options: {
  deploymentJson: string;
  templateEnvironment: FunctionEnvironment;
  functionLogLevel?: string;
  verbose?: boolean;
  webUrl: string;
}): Record<string, string> {
  const { verbose } = options;
  return {
    TRIAGE_DEPLOYMENT: options.deploymentJson,
    POWERTOOLS_LOG_LEVEL:
      options.functionLogLevel ??
      (verbose ? (options.templateEnvironment.shared.POWERTOOLS_LOG_LEVEL ?? 'INFO') : 'WARN'),
    ...(verbose ? {} : { POWERTOOLS_METRICS_DISABLED: 'true' }),
    // Links in mail point at the local function URL, also when the config names a custom domain (web.publicUrl).
    ...(options.webUrl ? { WEB_BASE_URL: options.webUrl } : {}),
  };
}

/**
 * Sets the functions' merged variables and the SDK's endpoint variables on this process (the CLI's
 * in-process replay and the tests read them), then starts each function's thread with this process's
 * environment as it now is and its own variables on top. Resolves `loaded` when every handler module
 * has loaded; `restoreEnv` puts this process's variables back.
 */
export function loadFunctions(
  lambda: LocalLambda,
  env: {
    template: FunctionEnvironment;
    overrides: Record<string, string>;
    endpoints: LocalEndpoints;
    functionEndpoints?: Partial<LocalEndpoints>;
  },
): { restoreEnv: () => void; loaded: Promise<void> } {
  const functionVars: Record<string, string> = { ...env.template.shared, ...env.overrides };
  const restoreEnv = applyEnvironment({ ...functionVars, ...sdkEnvironment(env.endpoints) });
  // A variable the SDK must not see, such as AWS_PROFILE, is left out of a thread's environment, not set to "undefined".
  const functionSdkEnv = sdkEnvironment({ ...env.endpoints, ...env.functionEndpoints });
  const loaded = lambda.load((id) =>
    definedOnly({ ...process.env, ...functionSdkEnv, ...env.template.perFunction[id], ...env.overrides }),
  );
  loaded.catch(() => undefined); // awaited by the caller; this only keeps an early failure from counting as unhandled
  return { restoreEnv, loaded };
}

/** The variables that have a value (a Worker's `env` would turn `undefined` into the string "undefined"). */
function definedOnly(vars: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(vars).filter((e): e is [string, string] => e[1] !== undefined));
}
