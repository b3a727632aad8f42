/**
 * The layout of the single DynamoDB table: every partition key (`pk`), sort key (`sk`) and index key
 * that an adapter reads or writes is built here, and nowhere else. docs/data-model.md lists each item
 * shape, what it holds, and which function reads and writes it. The strings are stored data: changing
 * one orphans the items already written under the old shape.
 */
import type { TicketMessage, TicketStatus } from '../domain/ticket';

/** A table or index key: partition key `pk` and sort key `sk`. */
export interface TableKey {
  pk: string;
  sk: string;
}

const TICKET = 'TICKET';
const MESSAGE = 'MSG';
const MESSAGE_ID = 'MSGID';
const COUNTER = 'COUNTER';
const DELIVERY = 'DELIVERY';
const OBJECT = 'OBJECT';
const RATE = 'RATE';
const CUSTOMER = 'CUSTOMER';
const QUARANTINE = 'QUARANTINE';
const SUPPRESS = 'SUPPRESS';
const SOFT_BOUNCE = 'SOFT';

/** The global secondary index of tickets by `<department>#<status>` (`gsi1pk`), sorted by due time (`gsi1sk`). */
export const DEPARTMENT_STATUS_INDEX = 'byDepartmentStatus';

/** Partition key of a ticket and its messages: `TICKET#<id>`. */
export const ticketPartition = (ticketId: string): string => `${TICKET}#${ticketId}`;

/** IAM `dynamodb:LeadingKeys` pattern that matches ticket partitions only (a ticket and its messages). */
export const TICKET_PARTITION_PATTERN = `${TICKET}#*`;

/** The ticket item: `TICKET#<id>` / `TICKET`. */
export const ticketKey = (ticketId: string): TableKey => ({ pk: ticketPartition(ticketId), sk: TICKET });

/** Index keys of a ticket item: `gsi1pk` = `<department>#<status>`, `gsi1sk` = its due time. */
export const ticketIndexKeys = (ticket: { department: string; status: TicketStatus; dueAt: string }) => ({
  gsi1pk: departmentStatusKey(ticket.department, ticket.status),
  gsi1sk: ticket.dueAt,
});

/** Partition key of the department/status index: `<department>#<status>`. */
export const departmentStatusKey = (department: string, status: TicketStatus): string => `${department}#${status}`;

/** Sort-key prefix of the message items in a ticket's partition: `MSG#`. */
export const MESSAGE_SORT_PREFIX = `${MESSAGE}#`;

/** A message item: `TICKET#<ticket id>` / `MSG#<at>#<kind>#<Message-ID or empty>`. */
export const messageKey = (message: Pick<TicketMessage, 'ticketId' | 'at' | 'kind' | 'messageId'>): TableKey => ({
  pk: ticketPartition(message.ticketId),
  sk: `${MESSAGE_SORT_PREFIX}${message.at}#${message.kind}#${message.messageId ?? ''}`,
});

/** The Message-ID index item, one per Message-ID (lower-cased) that belongs to a ticket: `MSGID#<id>` / `MSGID`. */
export const messageIdKey = (messageId: string): TableKey => ({
  pk: `${MESSAGE_ID}#${messageId.toLowerCase()}`,
  sk: MESSAGE_ID,
});

/** The ticket-number counter of a department prefix: `COUNTER#<prefix>` / `COUNTER`. */
export const counterKey = (prefix: string): TableKey => ({ pk: `${COUNTER}#${prefix}`, sk: COUNTER });

/** The delivery claim of one mail (or one timer step's mail): `DELIVERY#<dedupe key>` / `DELIVERY`. */
export const deliveryKey = (dedupeKey: string): TableKey => ({ pk: `${DELIVERY}#${dedupeKey}`, sk: DELIVERY });

/** The outcome of one stored raw-mail object: `OBJECT#<S3 key>` / `OBJECT`. */
export const objectOutcomeKey = (objectKey: string): TableKey => ({ pk: `${OBJECT}#${objectKey}`, sk: OBJECT });

/** Auto-reply limiter scope of one sender (lower-cased): `sender:<address>`. */
export const senderRateScope = (sender: string): string => `sender:${sender.toLowerCase()}`;

/** Auto-reply limiter scope of all senders together. */
export const GLOBAL_RATE_SCOPE = 'global';

/** One fixed-window auto-reply counter: `RATE#<scope>#<minutes>m#<window start, ISO>` / `RATE`. */
export const rateWindowKey = (scope: string, minutes: number, windowStart: Date): TableKey => ({
  pk: `${RATE}#${scope}#${minutes}m#${windowStart.toISOString()}`,
  sk: RATE,
});

/** The customer record of one normalised address: `CUSTOMER#<address>` / `CUSTOMER`. */
export const customerKey = (address: string): TableKey => ({ pk: `${CUSTOMER}#${address}`, sk: CUSTOMER });

/** The one partition of quarantined mail (operators list it whole). */
export const QUARANTINE_PARTITION = QUARANTINE;

/** One quarantined mail: `QUARANTINE` / `<S3 key>`. */
export const quarantineKey = (objectKey: string): TableKey => ({ pk: QUARANTINE_PARTITION, sk: objectKey });

/** The suppression of one address (lower-cased): `SUPPRESS#<address>` / `SUPPRESS`. */
export const suppressionKey = (address: string): TableKey => ({
  pk: `${SUPPRESS}#${address.toLowerCase()}`,
  sk: SUPPRESS,
});

/** One transient bounce, in the suppression partition of its address: sort key `SOFT#<at, ISO>#<feedback id>`. */
export const transientBounceKey = (address: string, at: string, feedbackId: string): TableKey => ({
  pk: suppressionKey(address).pk,
  sk: `${SOFT_BOUNCE}#${at}#${feedbackId}`,
});

/** Sort-key range of the transient bounces of an address from `from` to `to` (ISO times), both included. */
export const transientBounceRange = (from: string, to: string): { from: string; to: string } => ({
  from: `${SOFT_BOUNCE}#${from}`,
  to: `${SOFT_BOUNCE}#${to}#\uffff`,
});
