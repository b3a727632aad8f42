import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnElement, type Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { TriageConfig } from '../../functions/domain/config';
import { LocalStackError } from './errors';
import { REPO_ROOT } from './paths';

/**
 * Synthesises the real CDK stack in-process, with bundling skipped (context `aws:cdk:bundling-stacks: []`)
 * and the built-in CloudFormation validation off, so it takes about a second. The local stack reads
 * everything it builds from this template, so it runs what `cdk deploy` would deploy.
 */

export type CfnValue = unknown;
export interface CfnResource {
  Type: string;
  Properties?: Record<string, CfnValue>;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  [section: string]: unknown;
}

/** A `TriageFunction` of the construct tree, keyed in `SynthesisedStack.functions` by its function's logical id. */
export interface LocalFunctionSource {
  /** absolute path of the handler module (the same file esbuild bundles for Lambda) */
  entry: string;
  /** exported handler name, "handler" */
  handlerName: string;
  /** construct path, for messages */
  path: string;
}

export interface SynthesisedStack {
  stackName: string;
  template: CfnTemplate;
  functions: Record<string, LocalFunctionSource>;
  /** logical ids of the parts `TriageStack` names (undefined when the stack lacks one) */
  parts: Partial<
    Record<
      | 'table'
      | 'rawMailBucket'
      | 'timerStateMachine'
      | 'replyTokenSecret'
      | 'inboundFunction'
      | 'timerFunction'
      | 'reportFunction',
      string
    >
  >;
  durationMs: number;
}

export const DEFAULT_STACK_MODULE = join(REPO_ROOT, 'lib', 'triage-stack.ts');

interface TriageStackModule {
  TriageStack: new (
    scope: App,
    id: string,
    props: { config: TriageConfig; deploymentJson: string; stackName?: string; activateReceiptRuleSet?: boolean },
  ) => Stack & Record<string, unknown>;
}

/** The context of cdk.json (feature flags, stack name), as the CDK CLI would pass it to the app. */
export function cdkJsonContext(cdkJsonPath = join(REPO_ROOT, 'cdk.json')): Record<string, unknown> {
  if (!existsSync(cdkJsonPath)) return {};
  return (JSON.parse(readFileSync(cdkJsonPath, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
}

/** Duck-typed `TriageFunction` (lib/constructs/triage-function.ts): a construct with `entry`, `handlerName` and `fn`. */
function isTriageFunction(c: IConstruct): c is IConstruct & { entry: string; handlerName: string; fn: IConstruct } {
  const x = c as unknown as Record<string, unknown>;
  return (
    typeof x.entry === 'string' &&
    typeof x.fn === 'object' &&
    x.fn !== null &&
    typeof (x.fn as IConstruct).node === 'object'
  );
}

function logicalIdOf(stack: Stack, construct: unknown): string | undefined {
  if (!construct || typeof construct !== 'object') return undefined;
  const c = construct as IConstruct;
  if (CfnElement.isCfnElement(c)) return stack.getLogicalId(c);
  if (isTriageFunction(c)) return logicalIdOf(stack, c.fn);
  const child = c.node?.defaultChild;
  return child && CfnElement.isCfnElement(child) ? stack.getLogicalId(child) : undefined;
}

export function synthesizeStack(options: {
  config: TriageConfig;
  deploymentJson: string;
  stackModule?: string;
  stackId?: string;
}): SynthesisedStack {
  const started = Date.now();
  const stackModule = options.stackModule ?? DEFAULT_STACK_MODULE;
  if (!existsSync(stackModule) && !existsSync(`${stackModule}.ts`)) {
    throw new LocalStackError(
      `cannot find the CDK stack ${stackModule} (a module that exports TriageStack, as lib/triage-stack.ts does)`,
    );
  }
  const previousDeprecated = process.env.JSII_DEPRECATED;
  process.env.JSII_DEPRECATED ??= 'quiet';
  const outdir = mkdtempSync(join(tmpdir(), 'triage-local-synth-'));
  try {
    const { TriageStack } = require(stackModule) as TriageStackModule;
    if (typeof TriageStack !== 'function')
      throw new LocalStackError(`${stackModule} does not export a TriageStack class`);
    const context = cdkJsonContext();
    const stackName = options.stackId ?? (typeof context.stackName === 'string' ? context.stackName : 'EmailTriage');
    const app = new App({
      outdir,
      context: { ...context, 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
      treeMetadata: false,
      analyticsReporting: false,
    } as ConstructorParameters<typeof App>[0]);
    // no receipt rule set activation locally: the local SMTP server plays the active rule set
    const stack = new TriageStack(app, stackName, {
      stackName,
      config: options.config,
      deploymentJson: options.deploymentJson,
      activateReceiptRuleSet: false,
    });
    const functions: Record<string, LocalFunctionSource> = {};
    for (const c of stack.node.findAll()) {
      if (!isTriageFunction(c)) continue;
      const id = logicalIdOf(stack, c.fn);
      if (id) functions[id] = { entry: c.entry, handlerName: c.handlerName || 'handler', path: c.node.path };
    }
    const parts: SynthesisedStack['parts'] = {};
    for (const name of [
      'table',
      'rawMailBucket',
      'timerStateMachine',
      'replyTokenSecret',
      'inboundFunction',
      'timerFunction',
      'reportFunction',
    ] as const) {
      const id = logicalIdOf(stack, stack[name]);
      if (id) parts[name] = id;
    }
    const assembly = app.synth();
    const template = assembly.getStackArtifact(stack.artifactId).template as CfnTemplate;
    return { stackName: stack.stackName, template, functions, parts, durationMs: Date.now() - started };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
    if (previousDeprecated === undefined) delete process.env.JSII_DEPRECATED;
  }
}
