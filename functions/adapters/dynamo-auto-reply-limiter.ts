import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TriageConfig } from '../domain/config';
import type { AutoReplyLimiter, LimitDecision } from '../ports';
import { isConditionFailure } from './dynamo-items';
import { GLOBAL_RATE_SCOPE, rateWindowKey, senderRateScope, type TableKey } from './table-layout';

interface Window {
  scope: string;
  minutes: number;
  max: number;
}

/**
 * Fixed-window counters in DynamoDB (`rateWindowKey`: one item per scope, length and start), taken with a
 * conditional ADD, so concurrent functions never exceed a limit. Windows are checked from the
 * shortest per-sender one to the global one; a count taken in an earlier window before a later
 * one refuses is not given back: the limiter errs on the side of silence. Counters expire by TTL.
 */
export class DynamoAutoReplyLimiter implements AutoReplyLimiter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly limits: TriageConfig['autoReplyLimits'],
  ) {}

  private windows(sender: string): Window[] {
    return [
      ...[...this.limits.perSender]
        .sort((a, b) => a.minutes - b.minutes)
        .map((w) => ({ scope: senderRateScope(sender), ...w })),
      { scope: GLOBAL_RATE_SCOPE, ...this.limits.global },
    ];
  }

  private key(window: Window, now: Date): TableKey {
    const span = window.minutes * 60_000;
    const start = Math.floor(now.getTime() / span) * span;
    return rateWindowKey(window.scope, window.minutes, new Date(start));
  }

  async giveBack(sender: string, now: Date): Promise<void> {
    for (const window of this.windows(sender)) {
      await this.client
        .send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: this.key(window, now),
            UpdateExpression: 'ADD #count :minus',
            ConditionExpression: '#count > :zero',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':minus': -1, ':zero': 0 },
          }),
        )
        .catch((err) => {
          if (!isConditionFailure(err)) throw err;
        });
    }
  }

  async take(sender: string, now: Date): Promise<LimitDecision> {
    for (const window of this.windows(sender)) {
      const span = window.minutes * 60_000;
      const start = Math.floor(now.getTime() / span) * span;
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: this.key(window, now),
            UpdateExpression: 'ADD #count :one SET expiresAt = :expires',
            ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: {
              ':one': 1,
              ':max': window.max,
              ':expires': Math.ceil((start + 2 * span) / 1000),
            },
          }),
        );
      } catch (err) {
        if (isConditionFailure(err)) {
          const who = window.scope === GLOBAL_RATE_SCOPE ? 'all senders' : 'this sender';
          return { allowed: false, limit: `${window.max} automatic replies per ${window.minutes} minutes to ${who}` };
        }
        throw err;
      }
    }
    return { allowed: true };
  }
}
