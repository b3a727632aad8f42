import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { TriageConfig } from '../../functions/domain/config';
import { ConfigError } from './schema';
import { DEFAULT_CONFIG_PATH, loadConfigFile } from './load';

/** Where the handlebars templates live, relative to the repository root. */
export const DEFAULT_TEMPLATES_DIR = join(__dirname, '..', '..', 'templates');

/** What the functions receive at run time (see `functions/shared/deployment.ts`). */
export interface DeploymentBundle {
  /**
   * The config as `parseConfig` returns it: validated, defaults filled in, hours and keywords
   * normalised. The functions take it as it is (no zod at run time).
   */
  config: TriageConfig;
  /** Template sources keyed by path below `templates/` without `.hbs`, e.g. `en/acknowledge.text`. */
  templates: Record<string, string>;
}

function readTemplates(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.hbs')) continue;
    const full = join(entry.parentPath, entry.name);
    out[
      relative(dir, full)
        .split(sep)
        .join('/')
        .replace(/\.hbs$/, '')
    ] = readFileSync(full, 'utf8');
  }
  return out;
}

/**
 * Validates the config file and packs it with the templates into the JSON string the functions read
 * from `process.env.TRIAGE_DEPLOYMENT` (injected with esbuild `define` in Lambda, set directly locally).
 * @throws ConfigError when the config is invalid.
 */
export function buildDeploymentJson(
  configPath: string = DEFAULT_CONFIG_PATH,
  templatesDir: string = DEFAULT_TEMPLATES_DIR,
): string {
  const config = loadConfigFile(configPath); // fails with field paths before anything is built
  // The functions receive the parsed config through JSON: a schema transform that produced something
  // JSON cannot carry (a Date, a RegExp, a Map) would reach them changed. Refuse it here, loudly.
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(config)), config)) {
    throw new Error(
      'the parsed config does not survive JSON (a schema transform returns a Date, RegExp, Map or similar): keep TriageConfig plain data',
    );
  }
  const bundle: DeploymentBundle = { config, templates: readTemplates(templatesDir) };
  // A department's default language must be one customers can be answered in.
  const problems = config.departments.flatMap((d, i) =>
    `${d.language}/acknowledge.subject` in bundle.templates
      ? []
      : [
          `departments[${i}].language: expected a language with templates (${templatesDir}/${d.language}/acknowledge.subject.hbs), got ${JSON.stringify(d.language)}`,
        ],
  );
  if (problems.length > 0) throw new ConfigError(configPath, problems);
  return JSON.stringify(bundle);
}
