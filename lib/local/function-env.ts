import { LOCAL_REGION, type LocalResources, UnresolvableError } from './cfn';

/**
 * The environment the handlers run with. As in Lambda, each function has its own: the local stack runs
 * each function in a thread of its own (lambda-runtime.ts) whose environment is the template's
 * variables of that function on top of the SDK's endpoint variables. The merged `shared` variables are
 * what the stack's own process holds (the CLI's in-process replay reads them).
 */

export interface LocalEndpoints {
  s3: string;
  dynamodb: string;
  ses: string;
  secretsmanager: string;
  sfn: string;
}

/** Variables the SDK v3 reads by itself: endpoints, region, credentials, checksum behaviour. */
export function sdkEnvironment(endpoints: LocalEndpoints): Record<string, string | undefined> {
  return {
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SES: endpoints.ses,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsmanager,
    AWS_ENDPOINT_URL_SFN: endpoints.sfn,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    // s3rver accepts only these; dynalite and the local SES/Secrets/SFN endpoints accept anything
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
    // without these s3rver stores streamed uploads WITH the aws-chunked framing (TOOLCHAIN.md)
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    // the functions run on Node 22 in Lambda; the SDK's warning about this machine's Node would be
    // printed once per handler module registry (bin/start.ts prints one note instead)
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED:
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? 'true',
  };
}

/** Variables that mean nothing to a thread (NODE_OPTIONS is read at process start). */
const SKIPPED = new Set(['NODE_OPTIONS']);

export interface FunctionEnvironment {
  /** merged: the first function's value wins where they differ */
  shared: Record<string, string>;
  /** each function's own variables, by logical id */
  perFunction: Record<string, Record<string, string>>;
  /** human-readable problems: variables whose value cannot be resolved locally */
  warnings: string[];
}

/** Each function's `Environment.Variables` from the template, `Ref`s resolved to local names. */
export function functionEnvironment(resources: LocalResources, functionLogicalIds: string[]): FunctionEnvironment {
  const shared: Record<string, string> = {};
  const perFunction: Record<string, Record<string, string>> = {};
  const warnings: string[] = [];
  for (const id of functionLogicalIds) {
    const own: Record<string, string> = (perFunction[id] = {});
    const raw =
      (resources.resource(id).Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables ?? {};
    for (const [key, value] of Object.entries(raw)) {
      if (SKIPPED.has(key)) continue;
      try {
        own[key] = String(resources.resolve(value));
      } catch (err) {
        if (!(err instanceof UnresolvableError)) throw err;
        warnings.push(`${id}: ${key} left unset (${err.message})`);
        continue;
      }
      if (!(key in shared)) shared[key] = own[key];
    }
  }
  return { shared, perFunction, warnings };
}

/** Sets variables on `process.env` (undefined deletes) and returns a function that restores the previous values. */
export function applyEnvironment(vars: Record<string, string | undefined>): () => void {
  const previous = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(vars)) {
    if (!previous.has(key)) previous.set(key, process.env[key]);
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return () => {
    for (const [key, value] of previous) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
