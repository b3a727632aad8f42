import type { Command } from 'commander';
import { print } from '../output';

/** `triage config validate [FILE]`. */
export function registerConfig(program: Command): void {
  const config = program
    .command('config')
    .summary('config validate [file]: check a config file')
    .description('Work with config files.');
  config
    .command('validate')
    .description('validate a config file; prints each bad field with what was expected')
    .argument('[file]', 'YAML config', 'triage.config.yaml')
    .action((file: string) => {
      const { loadConfigFile } = require('../../config/load') as typeof import('../../config/load');
      const cfg = loadConfigFile(file);
      print(
        `${file}: valid (${cfg.departments.length} departments: ${cfg.departments.map((d) => `${d.name} ${d.prefix}`).join(', ')})`,
      );
    });
}
