import { join } from 'node:path';
import { buildDeploymentJson } from '../../lib/config/deployment';
import { loadConfigFile } from '../../lib/config/load';
import { TemplateRegistry } from '../../functions/domain/templates';
import type { DeploymentBundle } from '../../lib/config/deployment';

export const ROOT = join(__dirname, '..', '..');
export const CONFIG_PATH = join(ROOT, 'triage.config.yaml');
export const CORPUS = join(ROOT, '..', 'shared', 'corpus');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

/** The shipped example config, validated. */
export const exampleConfig = () => loadConfigFile(CONFIG_PATH);

/** The shipped templates. */
export const exampleTemplates = () =>
  new TemplateRegistry((JSON.parse(buildDeploymentJson(CONFIG_PATH)) as DeploymentBundle).templates);
