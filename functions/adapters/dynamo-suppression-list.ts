import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Suppression, SuppressionList } from '../ports/suppression-list';
import { isConditionFailure } from './dynamo-items';
import { suppressionKey, transientBounceKey, transientBounceRange } from './table-layout';

const epochSeconds = (iso: string) => Math.ceil(Date.parse(iso) / 1000);

/**
 * The suppression list in the ticket table: one item per address holds the suppression
 * (`suppressionKey`), and the same partition one item per transient bounce (`transientBounceKey`,
 * counted with a Query over the window). Soft items and time-limited suppressions carry `expiresAt` for the table's
 * TTL; reads check `until` themselves, so expiry is exact where TTL is late or absent (locally).
 */
export class DynamoSuppressionList implements SuppressionList {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async find(addresses: readonly string[], now: Date): Promise<Suppression[]> {
    const unique = [...new Set(addresses.map((a) => a.trim().toLowerCase()).filter(Boolean))];
    const items = await Promise.all(
      unique.map((address) =>
        this.client.send(new GetCommand({ TableName: this.tableName, Key: suppressionKey(address) })),
      ),
    );
    const out: Suppression[] = [];
    for (const { Item } of items) {
      if (!Item) continue;
      const entry = {
        address: Item.address,
        reason: Item.reason,
        detail: Item.detail,
        since: Item.since,
        until: Item.until,
        feedbackId: Item.feedbackId,
      } as Suppression;
      if (entry.until && Date.parse(entry.until) <= now.getTime()) continue;
      out.push(entry);
    }
    return out;
  }

  async suppress(entry: Suppression): Promise<void> {
    const address = entry.address.toLowerCase();
    const Item = {
      ...suppressionKey(address),
      ...entry,
      address,
      ...(entry.until ? { expiresAt: epochSeconds(entry.until) } : {}),
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item,
          // a time-limited suppression may only replace nothing or another time-limited one
          ...(entry.until
            ? {
                ConditionExpression: 'attribute_not_exists(pk) OR attribute_exists(#until)',
                ExpressionAttributeNames: { '#until': 'until' },
              }
            : {}),
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err; // already suppressed for good
    }
  }

  async recordTransientBounce(address: string, feedbackId: string, at: Date, windowMs: number): Promise<number> {
    const { pk, sk } = transientBounceKey(address, at.toISOString(), feedbackId);
    const iso = at.toISOString();
    const range = transientBounceRange(new Date(at.getTime() - windowMs).toISOString(), iso);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk,
          sk,
          address: address.toLowerCase(),
          at: iso,
          feedbackId,
          expiresAt: Math.ceil((at.getTime() + windowMs) / 1000),
        },
      }),
    );
    let count = 0;
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': pk, ':from': range.from, ':to': range.to },
          Select: 'COUNT',
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      count += page.Count ?? 0;
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return count;
  }

  async lift(address: string): Promise<boolean> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: suppressionKey(address), ReturnValues: 'ALL_OLD' }),
    );
    return Attributes !== undefined;
  }
}
