import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * SDK clients, made once per container and shared by every invocation. Endpoints come from the
 * standard `AWS_ENDPOINT_URL_<SERVICE>` variables when set; retries use the SDK's adaptive mode
 * (exponential backoff with jitter, and client-side rate limiting when throttled).
 */
const common = { maxAttempts: 6, retryMode: 'adaptive' as const };

let dynamo: DynamoDBDocumentClient | undefined;
let s3: S3Client | undefined;
let ses: SESClient | undefined;
let sfn: SFNClient | undefined;
let secrets: SecretsManagerClient | undefined;

/**
 * Takes the SDK's logger middleware off a client. We give the clients no logger, but the default one
 * is a no-op that still has an `info` method, so for every request the middleware ran the input and
 * the output (whole DynamoDB items) through the schema's sensitive-data filter, only to throw the
 * result away: a few percent of every function's duration, for nothing.
 */
function withoutLogging<T extends { middlewareStack: { remove(name: string): boolean } }>(client: T): T {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

export const clients = {
  dynamo: () =>
    (dynamo ??= DynamoDBDocumentClient.from(withoutLogging(new DynamoDBClient(common)), {
      marshallOptions: { removeUndefinedValues: true },
    })),
  // Path-style addressing when an endpoint is given: local S3 emulators do not serve virtual-host buckets.
  s3: () =>
    (s3 ??= withoutLogging(new S3Client({ ...common, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) }))),
  ses: () => (ses ??= withoutLogging(new SESClient(common))),
  sfn: () => (sfn ??= withoutLogging(new SFNClient(common))),
  secrets: () => (secrets ??= withoutLogging(new SecretsManagerClient(common))),
};

/** The region the functions run in. */
export function region(): string {
  return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
}
