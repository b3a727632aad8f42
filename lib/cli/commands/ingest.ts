import type { Command } from 'commander';
import { CliError } from '../errors';
import { printJson } from '../output';
import { addTargetOptions, type TargetOptions } from '../targets/open-target';

/** `triage ingest FILE...`: delivers saved mail through the same path as SMTP (local stack only). */
export function registerIngest(program: Command): void {
  addTargetOptions(
    program
      .command('ingest')
      .summary('deliver .eml files like SES would (local stack only)')
      .description(
        'Deliver raw mail files through the same path as SMTP: S3 put, event, inbound function. Prints one JSON line per file: file, outcome, ticketId, department, reason.',
      )
      .argument('<file...>', 'raw RFC 5322 files (.eml)')
      .option('--to <address>', 'the envelope recipient (default: the general address)'),
  ).action(async (files: string[], opts: TargetOptions & { to?: string }) => {
    if (opts.stack) {
      throw new CliError(
        `ingest works on the local stack only; to test stack ${opts.stack}, send a real mail to one of its addresses (\`triage replay KEY --stack ${opts.stack}\` re-runs stored mail)`,
      );
    }
    const { LocalTarget } = require('../targets/local') as typeof import('../targets/local');
    const { ingestFile } = require('../ingest') as typeof import('../ingest');
    const target = LocalTarget.open();
    try {
      const to = opts.to ?? target.config.generalAddress;
      const known = [target.config.generalAddress, ...target.config.departments.flatMap((d) => d.addresses)];
      if (!known.includes(to.toLowerCase()) && !to.toLowerCase().endsWith(`@${target.config.replyDomain}`)) {
        throw new CliError(
          `no receipt rule for ${to}; addresses: ${known.join(', ')} or *@${target.config.replyDomain}`,
        );
      }
      let failed = 0;
      for (const file of files) {
        const result = await ingestFile(target, file, to);
        if (result.outcome === 'failed') failed++;
        printJson({
          file: result.file,
          outcome: result.outcome,
          ticketId: result.ticketId ?? null,
          department: result.department ?? null,
          reason: result.reason,
        });
      }
      if (failed > 0) process.exitCode = 1;
    } finally {
      target.close();
    }
  });
}
