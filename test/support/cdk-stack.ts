import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parse, stringify } from 'yaml';
import { addTriageStack, type TriageAppOptions } from '../../lib/triage-app';
import type { TriageStack } from '../../lib/triage-stack';
import { CONFIG_PATH, ROOT } from './fixtures';

/** The context of cdk.json (feature flags) plus "skip bundling": fast, no esbuild. */
export function testContext(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...extra };
}

/** A construct whose CloudFormation resource is its default child (a CDK L2 construct). */
export type WithResource = { node: { defaultChild?: unknown } };

/** The logical id of a construct's CloudFormation resource in the stack. */
export function logicalIdIn(stack: Stack, construct: WithResource): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

/** The statements of the policies attached to a role. */
export function roleStatements(template: Template, roleLogicalId: string): any[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
  return policies
    .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleLogicalId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

export interface Built {
  app: App;
  stack: TriageStack;
  template: Template;
  /** The logical id of a construct's resource in this stack. */
  logicalId(construct: WithResource): string;
}

/** Builds the app as bin/app.ts does (without synthesising the assembly), with bundling skipped. */
export function build(options: TriageAppOptions = {}, context: Record<string, unknown> = {}): Built {
  const app = new App({ context: testContext(context), outdir: mkdtempSync(join(tmpdir(), 'triage-cdk-')) });
  const stack = addTriageStack(app, { configPath: CONFIG_PATH, ...options });
  return { app, stack, template: Template.fromStack(stack), logicalId: (construct) => logicalIdIn(stack, construct) };
}

/** Writes a variant of the example config (a function edits the parsed YAML) and returns its path. */
export function configVariant(edit: (raw: Record<string, any>) => void): string {
  const raw = parse(readFileSync(CONFIG_PATH, 'utf8')) as Record<string, any>;
  edit(raw);
  const path = join(mkdtempSync(join(tmpdir(), 'triage-config-')), 'triage.config.yaml');
  writeFileSync(path, stringify(raw));
  return path;
}
