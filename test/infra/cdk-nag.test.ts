import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { addNagChecks, addTriageStack } from '../../lib/triage-app';
import { CONFIG_PATH } from '../support/fixtures';
import { build, testContext } from '../support/cdk-stack';

interface Ack {
  path: string;
  id: string;
  reason: string;
}

/** Every acknowledgement recorded in the construct tree (the metadata cdk-nag 3 reads). */
function acknowledgements(root: IConstruct): Ack[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

/** Findings as `severity rule path`, one per violating resource. */
function findings(app: App): string[] {
  const report = new AwsSolutionsChecks(app).validateScope(app);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.severity} ${v.ruleName} ${r.constructPath}`),
  );
}

describe('cdk-nag AwsSolutions', () => {
  const { app } = build();

  it('leaves no unacknowledged finding, error or warning', () => {
    expect(findings(app)).toEqual([]);
  });

  it('passes as a synth-time validation plugin (what `cdk synth` runs) with an empty report', () => {
    const synthApp = new App({ context: testContext() });
    addTriageStack(synthApp, { configPath: CONFIG_PATH });
    addNagChecks(synthApp);
    const assembly = synthApp.synth();
    const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'));
    const nagReports = report.pluginReports.filter((r: any) => r.pluginName === 'AwsSolutions');
    expect(nagReports.flatMap((r: any) => r.violations)).toEqual([]);
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('stays clean in a stack with a region and an account (ARNs then carry them literally)', () => {
    for (const env of [{ region: 'eu-west-1' }, { account: '123456789012', region: 'us-east-1' }]) {
      const regional = new App({ context: testContext() });
      addTriageStack(regional, { configPath: CONFIG_PATH, env });
      expect(findings(regional)).toEqual([]);
    }
  });

  it('gives every acknowledgement a specific reason, on a resource (never the whole stack)', () => {
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.trim().length).toBeGreaterThanOrEqual(40);
      expect(ack.id).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      const target = app.node.findAll().find((c) => c.node.path === ack.path)!;
      expect(target).toBeDefined();
      expect(Stack.isStack(target) || target === app).toBe(false);
    }
  });

  it('acknowledges only findings that really occur (no stale acknowledgement)', () => {
    const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    let raw: string[];
    try {
      raw = findings(build().app);
    } finally {
      spy.mockRestore();
    }
    for (const ack of acknowledgements(app)) {
      const matching = raw.filter((f) => {
        const [, rule, path] = f.split(' ');
        return rule === ack.id && (path === ack.path || path.startsWith(`${ack.path}/`));
      });
      expect({ ack: `${ack.id} on ${ack.path}`, matches: matching.length > 0 }).toEqual({
        ack: `${ack.id} on ${ack.path}`,
        matches: true,
      });
    }
  });
});
