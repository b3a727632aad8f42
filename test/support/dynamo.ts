import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/** What DynamoDB answers when a conditional write's condition does not hold. */
export const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
