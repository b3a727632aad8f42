import { parseConfig, type TriageConfig } from '../domain/config';
import { TemplateRegistry } from '../domain/templates';

/** The config and templates this deployment was built with; parsed once per container. */
export interface Deployment {
  config: TriageConfig;
  templates: TemplateRegistry;
  /** The template sources as bundled (`web/...` pages are rendered apart from mail templates). */
  templateSources: Record<string, string>;
}

let cached: Deployment | undefined;

/**
 * Reads `process.env.TRIAGE_DEPLOYMENT`: in Lambda esbuild replaced it with the JSON at bundle
 * time (`define`), in the local stack it is a real environment variable.
 */
export function deployment(): Deployment {
  if (cached) return cached;
  const json = process.env.TRIAGE_DEPLOYMENT;
  if (!json) throw new Error('TRIAGE_DEPLOYMENT is not set: the function was built without its config');
  const bundle = JSON.parse(json) as { config: unknown; templates: Record<string, string> };
  cached = { config: parseConfig(bundle.config, 'TRIAGE_DEPLOYMENT'), templates: new TemplateRegistry(bundle.templates), templateSources: bundle.templates };
  return cached;
}
