import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/** A conditional write refused (the expected answer of a claim already taken), as opposed to a failure to retry. */
export function isConditionFailure(err: unknown): boolean {
  return (
    err instanceof ConditionalCheckFailedException ||
    (err as { name?: string })?.name === 'ConditionalCheckFailedException'
  );
}

/** An item without its table and index key attributes: the stored record as the port describes it. */
export function stripKeys<T>(item: Record<string, unknown>): T {
  const { pk, sk, gsi1pk, gsi1sk, ...rest } = item;
  return rest as T;
}
