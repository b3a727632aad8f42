import { DynamoSuppressionList } from '../adapters/dynamo-suppression-list';
import { SesMailer } from '../adapters/ses-mailer';
import { SuppressingMailer } from '../adapters/suppressing-mailer';
import { clients, region } from './clients';
import { requireEnv } from './env';

/**
 * SES behind the suppression list, as every function that sends mail builds it (`SES_CONFIGURATION_SET`,
 * `TICKETS_TABLE`): no mail goes to a suppressed recipient, whichever function sends it.
 */
export function suppressingMailer(): SuppressingMailer {
  return new SuppressingMailer(
    new SesMailer(clients.ses(), process.env.SES_CONFIGURATION_SET, region()),
    new DynamoSuppressionList(clients.dynamo(), requireEnv('TICKETS_TABLE')),
  );
}
