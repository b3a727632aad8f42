import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/fixtures';
import { median } from './stats';

export interface FunctionBundle {
  logicalId: string;
  handler: string;
  memoryMB: number;
  runtime: string;
  assetDir: string;
  /** every file of the asset except source maps: what the function's code is */
  bytes: number;
  mapBytes: number;
  files: string[];
  environment: Record<string, string>;
}

export interface SynthResult {
  outDir: string;
  ms: number;
  template: {
    Resources: Record<
      string,
      { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
    >;
  };
  functions: FunctionBundle[];
}

function dirBytes(dir: string): { bytes: number; mapBytes: number; files: string[] } {
  let bytes = 0;
  let mapBytes = 0;
  const files: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        const size = statSync(full).size;
        files.push(full.slice(dir.length + 1));
        if (entry.name.endsWith('.map')) mapBytes += size;
        else bytes += size;
      }
    }
  };
  walk(dir);
  return { bytes, mapBytes, files };
}

/** A value of the template's environment as the function would see it (references become placeholders). */
function envValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return 'arn:aws:bench:us-east-1:123456789012:placeholder';
}

/**
 * `npx cdk synth` exactly as a deploy would run it (bundling, minify, cdk-nag), into its own output
 * directory so that it does not race anybody's cdk.out.
 */
export function synth(outDir: string): SynthResult {
  const started = Date.now();
  const run = spawnSync(
    join(ROOT, 'node_modules', '.bin', 'cdk'),
    ['synth', '-q', '--output', outDir, '--no-notices'],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' } },
  );
  if (run.status !== 0)
    throw new Error(
      `cdk synth failed (exit ${run.status}):\n${(run.stderr || run.stdout).trim().split('\n').slice(-15).join('\n')}`,
    );
  const ms = Date.now() - started;
  const templateFile = readdirSync(outDir).find((f) => f.endsWith('.template.json') && !f.includes('.nested.'));
  if (!templateFile) throw new Error(`no template in ${outDir}`);
  const template = JSON.parse(readFileSync(join(outDir, templateFile), 'utf8')) as SynthResult['template'];
  const functions: FunctionBundle[] = [];
  for (const [logicalId, res] of Object.entries(template.Resources)) {
    if (res.Type !== 'AWS::Lambda::Function') continue;
    const assetPath = res.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') continue;
    const props = res.Properties ?? {};
    const assetDir = join(outDir, assetPath);
    const variables = ((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
      {}) as Record<string, unknown>;
    functions.push({
      logicalId,
      handler: String(props.Handler ?? 'index.handler'),
      memoryMB: Number(props.MemorySize ?? 128),
      runtime: String(props.Runtime ?? ''),
      assetDir,
      ...dirBytes(assetDir),
      environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, envValue(v)])),
    });
  }
  functions.sort((a, b) => b.bytes - a.bytes);
  return { outDir, ms, template, functions };
}

export interface ColdInit {
  logicalId: string;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** median CPU time (user + system) of the load: what other load on the machine changes least */
  medianCpuMs: number;
  /** modules loaded from outside the bundle that the Lambda runtime does not provide (must be empty) */
  foreign: string[];
  /** modules loaded from the runtime's copy of the SDK */
  runtimeModules: number;
}

/**
 * `cold_init_ms`: fresh `node` processes that require the bundle and take its handler, timed inside the
 * process (what Lambda's INIT phase does; node's own start-up is not counted). The environment is the
 * function's, from the template, including NODE_OPTIONS (source maps). Packages the runtime provides are
 * found through NODE_PATH, as Lambda's NODE_PATH finds /var/runtime/node_modules; anything else loaded
 * from outside the bundle is reported, since it would be missing in Lambda.
 */
export function coldInit(fn: FunctionBundle, runs: number, profileDir?: string): ColdInit {
  const [file, handlerName] = [
    fn.handler.slice(0, fn.handler.lastIndexOf('.')),
    fn.handler.slice(fn.handler.lastIndexOf('.') + 1),
  ];
  const entry = join(fn.assetDir, `${file}.js`);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ...fn.environment,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMB),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_ACCESS_KEY_ID: 'ASIABENCHBENCHBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SESSION_TOKEN: 'bench',
    LAMBDA_TASK_ROOT: fn.assetDir,
    NODE_PATH: join(ROOT, 'node_modules'),
    TZ: ':UTC',
  };
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let last: { foreign: string[]; runtimeModules: number } = { foreign: [], runtimeModules: 0 };
  const child = join(__dirname, 'cold-init.js');
  for (let i = 0; i < runs + (profileDir ? 1 : 0); i++) {
    const profiling = profileDir && i === runs;
    const args = [
      ...(profiling
        ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `cold-init-${fn.logicalId}.cpuprofile`]
        : []),
      child,
      entry,
      handlerName,
    ];
    const out = spawnSync(process.execPath, args, { env, encoding: 'utf8', cwd: fn.assetDir });
    if (out.status !== 0)
      throw new Error(
        `${fn.logicalId}: the bundle does not load in a fresh node process:\n${out.stderr.trim().split('\n').slice(0, 12).join('\n')}`,
      );
    if (profiling) continue;
    const result = JSON.parse(out.stdout.trim().split('\n').pop()!) as {
      ms: number;
      cpuMs: number;
      foreign: string[];
      runtimeModules: number;
    };
    times.push(result.ms);
    cpuTimes.push(result.cpuMs);
    last = result;
  }
  const { foreign, runtimeModules } = last;
  return {
    logicalId: fn.logicalId,
    runs,
    medianMs: median(times),
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    medianCpuMs: median(cpuTimes),
    foreign,
    runtimeModules,
  };
}
