import type { Command } from 'commander';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CliError } from '../errors';
import { print, printJson } from '../output';
import { composeReply, sendReply } from '../reply';
import { LocalTarget } from '../targets/local';

/** `triage reply ID --from ADDRESS --text TEXT`: play agent or customer against the local stack. */
export function registerReply(program: Command): void {
  program
    .command('reply')
    .summary('send a reply as an agent or the customer, like a mail client would (local stack)')
    .description(
      'Compose the mail a mail client would send and deliver it over SMTP to the local stack. An agent (or lead) answers the copy ' +
        'they received: to its per-ticket Reply-To address. Anyone else answers the latest mail we sent them: to the department ' +
        'address. In-Reply-To and References point at the Message-ID the person received.',
    )
    .argument('<id>', 'ticket id, e.g. BIL-1001')
    .requiredOption('--from <address>', 'who writes: an agent address or the customer')
    .requiredOption('--text <text>', 'the mail text (commands such as #close go on the first lines)')
    .option('--json', 'print what was sent as one JSON object')
    .action(async (id: string, opts: { from: string; text: string; json?: boolean }) => {
      const target = LocalTarget.open();
      try {
        const smtp = /^smtp:\/\/([^:/]+):(\d+)/.exec(target.stack.endpoints.smtp);
        if (!smtp)
          throw new CliError(`the local stack does not say where its SMTP server is (${target.stack.endpoints.smtp})`);
        const secrets = new SecretsManagerClient({
          region: target.region,
          endpoint: target.stack.endpoints.secretsmanager,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        });
        const ctx = {
          repository: target.repository,
          config: target.config,
          replyTokenKey: async () =>
            (await secrets.send(new GetSecretValueCommand({ SecretId: target.stack.replyTokenSecretId })))
              .SecretString!,
          smtp: { host: smtp[1], port: Number(smtp[2]) },
        };
        const reply = await composeReply(ctx, id, opts.from, opts.text);
        const messageId = await sendReply(ctx, reply);
        if (opts.json) printJson({ ...reply, messageId });
        else
          print(
            `sent as ${reply.role}: ${reply.from} -> ${reply.to}, "${reply.subject}"${reply.inReplyTo ? `, in reply to ${reply.inReplyTo}` : ''}`,
          );
      } finally {
        target.close();
      }
    });
}
