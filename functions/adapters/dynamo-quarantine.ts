import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Quarantine, QuarantineEntry } from '../ports';
import { isConditionFailure } from './dynamo-items';
import { QUARANTINE_PARTITION, quarantineKey } from './table-layout';

/** Quarantined mail, one item per object key in one partition (`quarantineKey`): operators list them all; the volume is small. */
export class DynamoQuarantine implements Quarantine {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async hold(entry: QuarantineEntry): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...quarantineKey(entry.key), ...entry } }),
    );
  }

  async get(key: string): Promise<QuarantineEntry | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: quarantineKey(key), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { pk, sk, ...entry } = Item;
    return entry as QuarantineEntry;
  }

  async list(): Promise<QuarantineEntry[]> {
    const out: QuarantineEntry[] = [];
    let ExclusiveStartKey: QueryCommandInput['ExclusiveStartKey'];
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': QUARANTINE_PARTITION },
          ExclusiveStartKey,
        }),
      );
      for (const { pk, sk, ...entry } of page.Items ?? []) out.push(entry as QuarantineEntry);
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out.sort((a, b) => a.at.localeCompare(b.at));
  }

  async release(key: string, at: Date): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: quarantineKey(key),
          UpdateExpression: 'SET released = :true, releasedAt = :at',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':true': true, ':at': at.toISOString() },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }
}
