import type { Command } from 'commander';
import { print, printJson } from '../output';
import { table } from '../table';

/** `triage route FILE... [--to ADDR] [--json]`: where mail would go, and why, without sending anything. */
export function registerRoute(program: Command): void {
  program
    .command('route')
    .summary('dry run: where a saved mail would go and why (sends nothing)')
    .description(
      'Dry run of the gate, language detection, routing rules, keywords, priority rules and the FAQ on saved mail, with the config file only: ' +
        'no stack is touched and nothing is sent. Prints the department, priority, language, automatic answer and the reasons.',
    )
    .argument('<file...>', 'raw RFC 5322 files (.eml)')
    .option(
      '--to <address>',
      'the envelope recipient (default: the first of our addresses in To/Cc, else the general address)',
    )
    .option('--config <file>', 'YAML config', 'triage.config.yaml')
    .option('--json', 'one JSON object per file: department, priority, language, faq, reasons, ...')
    .action(async (files: string[], opts: { to?: string; config: string; json?: boolean }) => {
      const { buildDeploymentJson } = require('../../config/deployment') as typeof import('../../config/deployment');
      const { TemplateRegistry } =
        require('../../../functions/domain/templates') as typeof import('../../../functions/domain/templates');
      const { dryRunRoute } = require('../route') as typeof import('../route');
      // validated while it is built (a broken config fails here, naming each field); the functions read the same object
      const bundle = JSON.parse(buildDeploymentJson(opts.config)) as import('../../config/deployment').DeploymentBundle;
      const cfg = bundle.config;
      const languages = new TemplateRegistry(bundle.templates).languages();
      for (const file of files) {
        const result = await dryRunRoute(cfg, languages, file, opts.to);
        if (opts.json) {
          printJson(result);
          continue;
        }
        if (files.length > 1) print(`${file}:`);
        print(
          table(
            ['field', 'value'],
            [
              ['recipient', result.recipient],
              [
                'outcome',
                result.outcome === 'ticket' ? 'new ticket, acknowledged' : 'machine mail: stored, not answered',
              ],
              ['department', result.department],
              ['priority', result.priority],
              ['language', result.language],
              ['faq', result.faq ?? '(none)'],
            ],
            100,
          ),
        );
        print('reasons:');
        for (const reason of result.reasons) print(`  - ${reason}`);
      }
    });
}
