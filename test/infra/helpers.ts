import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parse, stringify } from 'yaml';
import { addTriageStack, type TriageAppOptions } from '../../lib/triage-app';
import type { TriageStack } from '../../lib/triage-stack';

export const ROOT = join(__dirname, '..', '..');
export const EXAMPLE_CONFIG = join(ROOT, 'triage.config.yaml');

/** The context of cdk.json (feature flags) plus "skip bundling": fast, no esbuild. */
export function testContext(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...extra };
}

export interface Built {
  app: App;
  stack: TriageStack;
  template: Template;
}

/** Builds the app as bin/app.ts does (without synthesising the assembly), with bundling skipped. */
export function build(options: TriageAppOptions = {}, context: Record<string, unknown> = {}): Built {
  const app = new App({ context: testContext(context), outdir: mkdtempSync(join(tmpdir(), 'triage-cdk-')) });
  const stack = addTriageStack(app, { configPath: EXAMPLE_CONFIG, ...options });
  return { app, stack, template: Template.fromStack(stack) };
}

/** Writes a variant of the example config (a function edits the parsed YAML) and returns its path. */
export function configVariant(edit: (raw: Record<string, any>) => void): string {
  const raw = parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Record<string, any>;
  edit(raw);
  const path = join(mkdtempSync(join(tmpdir(), 'triage-config-')), 'triage.config.yaml');
  writeFileSync(path, stringify(raw));
  return path;
}
