import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryClaim, DeliveryLedger, DeliveryStep, ObjectOutcome } from '../ports/delivery-ledger';
import { isConditionFailure, stripKeys } from './dynamo-items';
import { deliveryKey, objectOutcomeKey } from './table-layout';

/** A delivery still unfinished after this long was abandoned (Lambda's limit is 15 minutes): a later delivery takes it over. */
const STALE_CLAIM_MS = 15 * 60 * 1000;

/**
 * The delivery ledger in the single table: what makes a mail's side effects happen exactly once
 * although S3 events, Lambda retries and SES itself may deliver the same mail more than once.
 *
 * - One outcome item per stored object (`getObjectOutcome`, `recordObjectOutcome`): the same S3
 *   object processed again is answered from it (`triage ingest` also reads it).
 * - One claim item per mail, keyed by its dedupe key (sender + Message-ID, or a hash of the parts a
 *   retry does not change): the first delivery claims it (`new`); the same object again resumes it;
 *   another object with the same mail is a `duplicate`, unless the claim is older than 15 minutes
 *   (longer than a Lambda can run) and unfinished: then that delivery took over a dead attempt and
 *   resumes it, keeping what was done. `bindTicket` fixes the ticket the claim opened, once, so a
 *   retry never draws a second ticket number. `completeDelivery` closes the claim.
 * - Each side effect (ack, agent copy, relay, timer ...) is a step of the claim: an attempt begins it
 *   (`step_<step>` = attempt id), marks it sending just before handing the mail to SES
 *   (`sending_<step>`), then finishes it (`result_<step>`, added to `done`) or, when SES did not take
 *   the mail, abandons it so the next attempt performs it. A step marked sending is never taken over:
 *   a mail may stay unsent after a double failure, it is never sent twice.
 * - A timer step's mail has no delivery claim: its key is `timer:<execution name>` (one per planned
 *   step), and `beginStep` creates its record.
 *
 * No transactions: every change is one conditional write, and each is safe to repeat.
 */
export class DynamoDeliveryLedger implements DeliveryLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getObjectOutcome(key: string): Promise<ObjectOutcome | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: objectOutcomeKey(key), ConsistentRead: true }),
    );
    return Item ? stripKeys<ObjectOutcome>(Item) : undefined;
  }

  async recordObjectOutcome(outcome: ObjectOutcome): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...objectOutcomeKey(outcome.key), ...outcome } }),
    );
  }

  async claimDelivery(dedupeKey: string, objectKey: string, now: Date): Promise<DeliveryClaim> {
    const Key = deliveryKey(dedupeKey);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...Key, objectKey, claimedAt: now.toISOString(), state: 'claimed', done: [] },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { status: 'new', firstKey: objectKey, done: [] };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key, ConsistentRead: true }));
    if (!Item) return this.claimDelivery(dedupeKey, objectKey, now); // deleted in between: claim again
    const claim = {
      ticketId: Item.ticketId as string | undefined,
      firstKey: Item.objectKey as string,
      done: (Item.done as string[]) ?? [],
    };
    if (Item.state === 'done') return { status: 'duplicate', ...claim };
    if (Item.objectKey === objectKey) return { status: 'resumed', ...claim };
    const stale = now.getTime() - Date.parse(Item.claimedAt as string) > STALE_CLAIM_MS;
    if (!stale) return { status: 'duplicate', ...claim };
    // The first delivery never finished: this one takes the claim over, keeping what was done.
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key,
          UpdateExpression: 'SET objectKey = :key, claimedAt = :now',
          ConditionExpression: 'claimedAt = :old',
          ExpressionAttributeValues: { ':key': objectKey, ':now': now.toISOString(), ':old': Item.claimedAt },
        }),
      );
      return { status: 'resumed', ...claim };
    } catch (err) {
      if (isConditionFailure(err)) return { status: 'duplicate', ...claim };
      throw err;
    }
  }

  async bindTicket(dedupeKey: string, ticketId: string): Promise<string> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: deliveryKey(dedupeKey),
          UpdateExpression: 'SET ticketId = :id',
          ConditionExpression: 'attribute_not_exists(ticketId)',
          ExpressionAttributeValues: { ':id': ticketId },
        }),
      );
      return ticketId;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: deliveryKey(dedupeKey), ConsistentRead: true }),
      );
      return Item!.ticketId as string;
    }
  }

  async beginStep(dedupeKey: string, step: DeliveryStep, attempt: string, now: Date): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: deliveryKey(dedupeKey),
          UpdateExpression: 'SET #step = :attempt, #claimed = :now',
          ConditionExpression: 'attribute_not_exists(#sending) AND attribute_not_exists(#result)',
          ExpressionAttributeNames: {
            '#step': `step_${step}`,
            '#claimed': `claimed_${step}`,
            '#sending': `sending_${step}`,
            '#result': `result_${step}`,
          },
          ExpressionAttributeValues: { ':attempt': attempt, ':now': now.toISOString() },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async markSending(dedupeKey: string, step: DeliveryStep, attempt: string, now: Date): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: deliveryKey(dedupeKey),
          // Idempotent for the same attempt: when a write is applied but its answer is lost (a
          // connection dropped), the SDK's retry must not read as "someone else is sending".
          UpdateExpression: 'SET #sending = :attempt, #sendingAt = :now',
          ConditionExpression: '#step = :attempt AND (attribute_not_exists(#sending) OR #sending = :attempt)',
          ExpressionAttributeNames: {
            '#step': `step_${step}`,
            '#sending': `sending_${step}`,
            '#sendingAt': `sendingAt_${step}`,
          },
          ExpressionAttributeValues: { ':attempt': attempt, ':now': now.toISOString() },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async abandonStep(dedupeKey: string, step: DeliveryStep, attempt: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: deliveryKey(dedupeKey),
          UpdateExpression: 'REMOVE #step, #sending',
          ConditionExpression: '#step = :attempt',
          ExpressionAttributeNames: { '#step': `step_${step}`, '#sending': `sending_${step}` },
          ExpressionAttributeValues: { ':attempt': attempt },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err; // another attempt holds it now: nothing to give back
    }
  }

  async finishStep(dedupeKey: string, step: DeliveryStep, detail: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: deliveryKey(dedupeKey),
        UpdateExpression: 'SET done = list_append(if_not_exists(done, :empty), :step), #detail = :detail',
        ExpressionAttributeNames: { '#detail': `result_${step}` },
        ExpressionAttributeValues: { ':empty': [], ':step': [step], ':detail': detail },
      }),
    );
  }

  async completeDelivery(dedupeKey: string, now: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: deliveryKey(dedupeKey),
        UpdateExpression: 'SET #state = :done, completedAt = :now',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':done': 'done', ':now': now.toISOString() },
      }),
    );
  }
}
