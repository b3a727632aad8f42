import { DynamoDeliveryLedger } from '../adapters/dynamo-delivery-ledger';
import { DynamoTicketRepository } from '../adapters/dynamo-ticket-repository';
import type { TriageConfig } from '../domain/config';
import { clients } from './clients';
import { requireEnv } from './env';

/**
 * The table adapters more than one function builds, made alike in every composition root from this
 * container's DynamoDB client and `TICKETS_TABLE`. The mailer is in mailer.ts: a function that sends
 * no mail (web, feedback) then bundles none of SES.
 */

/** Tickets and their conversations in the single table, listed per department of `config`. */
export function ticketRepository(config: TriageConfig): DynamoTicketRepository {
  return new DynamoTicketRepository(
    clients.dynamo(),
    requireEnv('TICKETS_TABLE'),
    config.departments.map((d) => d.name),
  );
}

/** The exactly-once bookkeeping of deliveries and their steps, in the single table. */
export function deliveryLedger(): DynamoDeliveryLedger {
  return new DynamoDeliveryLedger(clients.dynamo(), requireEnv('TICKETS_TABLE'));
}
