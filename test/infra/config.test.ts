import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../lib/config/schema';
import { ROOT } from '../support/fixtures';
import { build, configVariant } from '../support/cdk-stack';

describe('a broken config', () => {
  const badPrefix = configVariant((raw) => {
    raw.departments[0].prefix = 'bi';
    raw.departments[1].businessHours.timeZone = 'Mars/Olympus';
  });

  it('fails the build with the path of each bad field', () => {
    let error: unknown;
    try {
      build({ configPath: badPrefix });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^departments\[0\]\.prefix: expected 2 to 5 upper-case letters/),
        expect.stringMatching(/^departments\[1\]\.businessHours\.timeZone: expected an IANA time zone/),
      ]),
    );
  });

  it('makes bin/app.ts print one line per field to stderr and exit 1, without a stack trace', () => {
    const result = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'bin', 'app.ts')], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ config: badPrefix }),
        CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'triage-cdk-out-')),
      },
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe(`${badPrefix}: invalid config`);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(
        /^ {2}- departments\[0\]\.prefix: expected 2 to 5 upper-case letters such as "BIL", got "bi"$/,
      ),
      expect.stringMatching(/^ {2}- departments\[1\]\.businessHours\.timeZone: /),
    ]);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
