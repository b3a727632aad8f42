import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { TriageConfig } from '../../functions/domain/config';
import { ConfigError, parseConfig } from './schema';

/** Path of the shipped example config, relative to the repository root. */
export const DEFAULT_CONFIG_PATH = 'triage.config.yaml';

/**
 * Reads and validates a YAML config file.
 * @throws ConfigError with the file name, and each bad field's path and what was expected.
 */
export function loadConfigFile(path: string = DEFAULT_CONFIG_PATH): TriageConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [`cannot read the file: ${(err as Error).message}`]);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      path,
      doc.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0]}`),
    );
  }
  return parseConfig(doc.toJS(), path);
}
