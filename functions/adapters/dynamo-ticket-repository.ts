import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type BatchWriteCommandInput,
  type QueryCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Ticket, TicketMessage, TicketPriority, TicketStatus } from '../domain/ticket';
import { TICKET_STATUSES } from '../domain/ticket';
import type { SurveyChoice } from '../domain/web-links';
import type { SatisfactionResult, TicketFilter, TicketRepository } from '../ports';
import { isConditionFailure, stripKeys } from './dynamo-items';
import {
  counterKey,
  DEPARTMENT_STATUS_INDEX,
  departmentStatusKey,
  MESSAGE_SORT_PREFIX,
  messageIdKey,
  messageKey,
  ticketIndexKeys,
  ticketKey,
  ticketPartition,
} from './table-layout';

const messageItem = (message: TicketMessage) => ({ ...messageKey(message), ...message });
const messageIdItem = (messageId: string, ticketId: string) => ({ ...messageIdKey(messageId), ticketId });

/** Rounds of re-sending what a BatchWriteItem left unprocessed (throttled), with growing pauses, before giving up. */
const BATCH_ROUNDS = 6;

/**
 * Tickets, their messages, the Message-ID index and the ticket-number counters, in the single table
 * (key shapes in table-layout.ts, described in docs/data-model.md). No transactions: every
 * multi-item change is a sequence of conditional writes that a retry can repeat safely.
 */
export class DynamoTicketRepository implements TicketRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Department names, for listing without a department filter (the index is keyed by department). */
    private readonly departments: readonly string[],
  ) {}

  async nextTicketNumber(prefix: string): Promise<number> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: counterKey(prefix),
        // Numbers start at 1001: a ticket number that looks like a count of one is a poor first impression.
        UpdateExpression: 'SET #value = if_not_exists(#value, :base) + :one',
        ExpressionAttributeNames: { '#value': 'value' },
        ExpressionAttributeValues: { ':base': 1000, ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Attributes!.value as number;
  }

  async createTicket(ticket: Ticket): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...ticketKey(ticket.id), ...ticketIndexKeys(ticket), ...ticket },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err; // exists: an earlier attempt created it
    }
    for (const messageId of ticket.messageIds) await this.indexMessageId(messageId, ticket.id);
  }

  async saveTicket(ticket: Ticket, expectedVersion: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...ticketKey(ticket.id), ...ticketIndexKeys(ticket), ...ticket, version: expectedVersion + 1 },
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async getTicket(id: string): Promise<Ticket | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: ticketKey(id), ConsistentRead: true }),
    );
    return Item ? stripKeys<Ticket>(Item) : undefined;
  }

  async listTickets(filter: TicketFilter = {}): Promise<Ticket[]> {
    const departments = filter.department ? [filter.department] : this.departments;
    const statuses = filter.status ? [filter.status] : TICKET_STATUSES;
    const out: Ticket[] = [];
    for (const department of departments) {
      for (const status of statuses) {
        let ExclusiveStartKey: QueryCommandInput['ExclusiveStartKey'];
        do {
          const page = await this.client.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: DEPARTMENT_STATUS_INDEX,
              KeyConditionExpression: filter.dueFrom ? 'gsi1pk = :pk AND gsi1sk >= :due' : 'gsi1pk = :pk',
              ExpressionAttributeValues: {
                ':pk': departmentStatusKey(department, status),
                ...(filter.dueFrom ? { ':due': filter.dueFrom } : {}),
              },
              ExclusiveStartKey,
            }),
          );
          for (const item of page.Items ?? []) out.push(stripKeys<Ticket>(item));
          ExclusiveStartKey = page.LastEvaluatedKey;
        } while (ExclusiveStartKey);
      }
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async addMessage(message: TicketMessage): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: messageItem(message) }));
  }

  async addMessageWithIds(message: TicketMessage, messageIds: readonly string[]): Promise<void> {
    // One BatchWriteItem instead of a PutItem each: the items are independent, idempotent puts.
    const ids = [...new Set(messageIds.map((id) => id.toLowerCase()))];
    let requests: NonNullable<BatchWriteCommandInput['RequestItems']>[string] = [
      messageItem(message),
      ...ids.map((id) => messageIdItem(id, message.ticketId)),
    ].map((Item) => ({ PutRequest: { Item } }));
    for (let round = 1; requests.length > 0; round++) {
      const { UnprocessedItems } = await this.client.send(
        new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
      );
      requests = UnprocessedItems?.[this.tableName] ?? [];
      if (requests.length === 0) return;
      if (round === BATCH_ROUNDS)
        throw new Error(
          `${requests.length} of the writes of a message of ${message.ticketId} stayed unprocessed (throttled) after ${BATCH_ROUNDS} rounds`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
    }
  }

  async listMessages(ticketId: string): Promise<TicketMessage[]> {
    const out: TicketMessage[] = [];
    let ExclusiveStartKey: QueryCommandInput['ExclusiveStartKey'];
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :msg)',
          ExpressionAttributeValues: { ':pk': ticketPartition(ticketId), ':msg': MESSAGE_SORT_PREFIX },
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) out.push(stripKeys<TicketMessage>(item));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }

  async indexMessageId(messageId: string, ticketId: string): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: messageIdItem(messageId, ticketId) }));
  }

  async findTicketByMessageId(messageId: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: messageIdKey(messageId) }),
    );
    return Item?.ticketId as string | undefined;
  }

  async updateTicketStatus(id: string, status: TicketStatus, at: Date): Promise<Ticket | undefined> {
    // gsi1pk is `<department>#<status>`: read the department, then update on the condition it is unchanged.
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.getTicket(id);
      if (!current) return undefined;
      const closing = status === 'closed';
      const updated = await this.updateExisting(id, {
        UpdateExpression: `SET #status = :status, gsi1pk = :gsi1pk, version = version + :one${closing ? ', closedAt = :at' : ' REMOVE closedAt'}`,
        ConditionExpression: 'attribute_exists(pk) AND department = :department',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':gsi1pk': departmentStatusKey(current.department, status),
          ':department': current.department,
          ':one': 1,
          ...(closing ? { ':at': at.toISOString() } : {}),
        },
      });
      if (updated) return updated;
    }
    throw new Error(`ticket ${id} kept changing department while its status was being set`);
  }

  async recordSatisfaction(ticketId: string, choice: SurveyChoice, at: Date): Promise<SatisfactionResult> {
    const satisfaction = { choice, at: at.toISOString() };
    try {
      // Touches only the key, `satisfaction` and `version`: the web function's role allows no other attribute.
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: ticketKey(ticketId),
          UpdateExpression: 'SET satisfaction = :satisfaction, version = version + :one',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(satisfaction)',
          ExpressionAttributeValues: { ':satisfaction': satisfaction, ':one': 1 },
        }),
      );
      return { outcome: 'recorded', satisfaction };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    const ticket = await this.getTicket(ticketId);
    return ticket?.satisfaction
      ? { outcome: 'already-answered', satisfaction: ticket.satisfaction }
      : { outcome: 'no-ticket' };
  }

  async assignTicket(id: string, agent: string): Promise<Ticket | undefined> {
    return this.updateExisting(id, {
      UpdateExpression: 'SET assignee = :agent, version = version + :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':agent': agent, ':one': 1 },
    });
  }

  async setTicketPriority(id: string, priority: TicketPriority): Promise<Ticket | undefined> {
    return this.updateExisting(id, {
      UpdateExpression: 'SET priority = :priority, version = version + :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':priority': priority, ':one': 1 },
    });
  }

  /** A conditional update of one ticket item returning the new ticket; undefined when the condition fails. */
  private async updateExisting(
    id: string,
    update: Pick<
      UpdateCommandInput,
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<Ticket | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({ TableName: this.tableName, Key: ticketKey(id), ...update, ReturnValues: 'ALL_NEW' }),
      );
      return Attributes ? stripKeys<Ticket>(Attributes) : undefined;
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }
}
