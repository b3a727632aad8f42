import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from '../support/fixtures';
import { esbuildOptionsOfFunctions } from './bundle-check';
import type { ParseResult } from './parse';
import { median } from './stats';

export interface ParseSummary extends ParseResult {
  processes: number;
  /** each process's own median ratio */
  processRatios: number[];
}

/**
 * `parse_ratio` as the bench reports it: `measureParse` (parse.ts) in `processes` fresh node processes
 * one after the other, each with `rounds` counted rounds; the ratio is the median of all their rounds.
 *
 * Why processes, and why a bundle:
 * - One round's ratio moves by ±15 % on this shared 2-core machine (the same code, the same process);
 *   more rounds from more than one process give a median that moves far less from run to run, and a
 *   JIT decision that happens to be bad in one process weighs only its share.
 * - The use case runs as esbuild builds it for Lambda (the options of the function bundles, minified,
 *   no `keepNames`), not as tsx runs it: tsx wraps every function in a `__name` call, which cost the
 *   use case (and not mailparser) about 0.07 of the ratio. npm packages stay outside the bundle, so
 *   the use case and the baseline run the very same copy of mailparser.
 * The bundle is written under `.triage/bench/` (git-ignored): at the same depth below the repository
 * as the test and lib modules, so that their `__dirname`-relative paths (corpus, templates) still hold.
 */
export async function measureParseInProcesses(options: {
  processes: number;
  rounds: number;
  warmup: number;
}): Promise<ParseSummary> {
  const dir = join(ROOT, '.triage', 'bench');
  const outfile = join(dir, 'parse-child.js');
  mkdirSync(dir, { recursive: true });
  try {
    await build({
      ...esbuildOptionsOfFunctions(),
      // the machine's own Node, which runs the child
      target: `node${process.versions.node.split('.')[0]}`,
      packages: 'external',
      entryPoints: [join(__dirname, 'parse-child.ts')],
      outfile,
      sourcemap: false,
    });
    const results: ParseResult[] = [];
    for (let i = 0; i < options.processes; i++) {
      const out = spawnSync(
        process.execPath,
        ['--expose-gc', outfile, String(options.rounds), String(options.warmup)],
        { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 << 20 },
      );
      if (out.status !== 0)
        throw new Error(
          `parse child failed (exit ${out.status}): ${out.stderr.trim().split('\n').slice(-8).join('\n')}`,
        );
      results.push(JSON.parse(out.stdout.trim().split('\n').pop()!) as ParseResult);
    }
    const all = results.flatMap((r) => r.roundRatios);
    const [first] = results;
    return {
      ...first,
      processes: results.length,
      rounds: all.length,
      ratio: median(all),
      roundRatios: all,
      processRatios: results.map((r) => r.ratio),
      wallRatio: median(results.map((r) => r.wallRatio)),
      mailparserMs: median(results.map((r) => r.mailparserMs)),
      useCaseMs: median(results.map((r) => r.useCaseMs)),
      wall: {
        mailparserMs: median(results.map((r) => r.wall.mailparserMs)),
        useCaseMs: median(results.map((r) => r.wall.useCaseMs)),
      },
      useCasePerMailMs: median(results.map((r) => r.useCasePerMailMs)),
    };
  } finally {
    rmSync(outfile, { force: true });
  }
}
