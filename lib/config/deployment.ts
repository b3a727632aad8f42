import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '../../functions/domain/config';
import { DEFAULT_CONFIG_PATH, loadConfigFile } from './load';

/** Where the handlebars templates live, relative to the repository root. */
export const DEFAULT_TEMPLATES_DIR = join(__dirname, '..', '..', 'templates');

/** What the functions receive at run time (see `functions/shared/deployment.ts`). */
export interface DeploymentBundle {
  /** The config as the operator wrote it (validated again, once per container, by the functions). */
  config: unknown;
  /** Template sources keyed by path below `templates/` without `.hbs`, e.g. `en/acknowledge.text`. */
  templates: Record<string, string>;
}

function readTemplates(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.hbs')) continue;
    const full = join(entry.parentPath, entry.name);
    out[relative(dir, full).split(sep).join('/').replace(/\.hbs$/, '')] = readFileSync(full, 'utf8');
  }
  return out;
}

/**
 * Validates the config file and packs it with the templates into the JSON string the functions read
 * from `process.env.TRIAGE_DEPLOYMENT` (injected with esbuild `define` in Lambda, set directly locally).
 * @throws ConfigError when the config is invalid.
 */
export function buildDeploymentJson(configPath: string = DEFAULT_CONFIG_PATH, templatesDir: string = DEFAULT_TEMPLATES_DIR): string {
  const cfg = loadConfigFile(configPath); // fails with field paths before anything is built
  const bundle: DeploymentBundle = {
    config: parse(readFileSync(configPath, 'utf8')),
    templates: readTemplates(templatesDir),
  };
  // A department's default language must be one customers can be answered in.
  const problems = cfg.departments.flatMap((d, i) =>
    `${d.language}/acknowledge.subject` in bundle.templates ? [] : [`departments[${i}].language: expected a language with templates (${templatesDir}/${d.language}/acknowledge.subject.hbs), got ${JSON.stringify(d.language)}`],
  );
  if (problems.length > 0) throw new ConfigError(configPath, problems);
  return JSON.stringify(bundle);
}
