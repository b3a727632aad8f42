import { gunzipSync } from 'node:zlib';
import type { TriageConfig } from '../domain/config';
import { TemplateRegistry } from '../domain/templates';

/** The config and templates this deployment was built with; read once per container. */
export interface Deployment {
  config: TriageConfig;
  templates: TemplateRegistry;
  /** The template sources as bundled (`web/...` pages are rendered apart from mail templates). */
  templateSources: Record<string, string>;
}

let cached: Deployment | undefined;

/** Marks a packed deployment: `gzip:` and the gzipped JSON in base64. */
export const GZIP_PREFIX = 'gzip:';

/**
 * Reads `process.env.TRIAGE_DEPLOYMENT`: in Lambda esbuild replaced it with the JSON at bundle
 * time (`define`), in the local stack it is a real environment variable. The config in it was
 * validated and normalised by `parseConfig` when it was built (`buildDeploymentJson`, at synth or
 * when the local stack starts), so it is taken as it is: zod stays out of the Lambda bundles
 * (89 KiB, and the time of building the schema at every cold start).
 *
 * The Lambda bundles carry it gzipped (`gzip:<base64>`, see `packDeployment`): config and templates in
 * three languages are 40 KB of text that compress to a third, and gunzip takes well under a
 * millisecond at cold start. The local stack passes plain JSON.
 */
export function deployment(): Deployment {
  if (cached) return cached;
  const json = process.env.TRIAGE_DEPLOYMENT;
  if (!json) throw new Error('TRIAGE_DEPLOYMENT is not set: the function was built without its config');
  const text = json.startsWith(GZIP_PREFIX)
    ? gunzipSync(Buffer.from(json.slice(GZIP_PREFIX.length), 'base64')).toString('utf8')
    : json;
  const bundle = JSON.parse(text) as { config: TriageConfig; templates: Record<string, string> };
  cached = {
    config: bundle.config,
    templates: new TemplateRegistry(bundle.templates),
    templateSources: bundle.templates,
  };
  return cached;
}
