import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { compareTicketIds, normaliseAddress, type Customer } from '../domain/customer';
import { CustomerMergeError, type CustomerDirectory } from '../ports/customers';
import { customerKey } from './table-layout';

interface CustomerItem {
  address: string;
  /** String set of the ticket ids this address opened. */
  ticketIds?: Set<string>;
  /** String set of the addresses merged into this one (on a primary only). */
  aliases?: Set<string>;
  /** The primary this address was merged into. */
  aliasOf?: string;
  firstSeenAt?: string;
  mergedAt?: string;
}

/**
 * The customer directory in the ticket table, one item per address (`customerKey`). Ticket ids are a string set added with `ADD`, so
 * recording the same ticket twice (a retried delivery) is harmless. A merge writes the primary's
 * alias set first, then points each merged address at the primary: stopped half-way, the primary
 * already shows the alias's tickets, and running the merge again finishes it.
 */
export class DynamoCustomerDirectory implements CustomerDirectory {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async get(address: string): Promise<CustomerItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: customerKey(address), ConsistentRead: true }),
    );
    return Item as CustomerItem | undefined;
  }

  async recordTicket(address: string, ticketId: string, at: Date): Promise<void> {
    const key = normaliseAddress(address);
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: customerKey(key),
        UpdateExpression: 'SET address = :address, firstSeenAt = if_not_exists(firstSeenAt, :at) ADD ticketIds :ids',
        ExpressionAttributeValues: { ':address': key, ':at': at.toISOString(), ':ids': new Set([ticketId]) },
      }),
    );
  }

  /** The primary address of `address` and its item (one hop: merges keep aliases flat). */
  private async primaryOf(address: string): Promise<{ address: string; item?: CustomerItem }> {
    const item = await this.get(address);
    if (!item?.aliasOf) return { address, item };
    return { address: item.aliasOf, item: await this.get(item.aliasOf) };
  }

  async resolve(address: string): Promise<Customer | undefined> {
    const key = normaliseAddress(address);
    const primary = await this.primaryOf(key);
    if (!primary.item && primary.address === key) return undefined;
    const aliases = [...(primary.item?.aliases ?? [])].filter((a) => a !== primary.address).sort();
    const aliasItems = await Promise.all(aliases.map((a) => this.get(a)));
    const ticketIds = new Set(primary.item?.ticketIds ?? []);
    for (const item of aliasItems) for (const id of item?.ticketIds ?? []) ticketIds.add(id);
    const seen = [primary.item?.firstSeenAt, ...aliasItems.map((i) => i?.firstSeenAt)]
      .filter((s): s is string => Boolean(s))
      .sort();
    return {
      address: primary.address,
      aliases,
      ticketIds: [...ticketIds].sort(compareTicketIds),
      firstSeenAt: seen[0],
    };
  }

  async merge(
    primaryAddress: string,
    aliasAddress: string,
    at: Date,
  ): Promise<{ customer: Customer; alreadyMerged: boolean }> {
    const a = normaliseAddress(primaryAddress);
    const b = normaliseAddress(aliasAddress);
    if (a === b) throw new CustomerMergeError(`cannot merge ${a} into itself`);
    const [primary, other] = await Promise.all([this.primaryOf(a), this.primaryOf(b)]);
    if (primary.address === other.address) return { customer: (await this.resolve(a))!, alreadyMerged: true };
    const moving = [other.address, ...(other.item?.aliases ?? [])].filter((m) => m !== primary.address);
    // 1. the primary lists the newcomers (from now on it shows their tickets)
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: customerKey(primary.address),
        UpdateExpression: 'SET address = :address, mergedAt = :at ADD aliases :moving REMOVE aliasOf',
        ExpressionAttributeValues: { ':address': primary.address, ':at': at.toISOString(), ':moving': new Set(moving) },
      }),
    );
    // 2. each newcomer points at the primary (later mail from it is shown under the primary)
    for (const address of moving) {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: customerKey(address),
          UpdateExpression: 'SET address = :address, aliasOf = :primary, mergedAt = :at REMOVE aliases',
          ExpressionAttributeValues: { ':address': address, ':primary': primary.address, ':at': at.toISOString() },
        }),
      );
    }
    return { customer: (await this.resolve(primary.address))!, alreadyMerged: false };
  }
}
