import type { S3Client } from '@aws-sdk/client-s3';

/**
 * When an object of the raw-mail bucket was stored (its arrival), or undefined when there is no such
 * object. Shared by the local and the AWS target; the S3 command is loaded on use, so commands that
 * never touch S3 do not load its client.
 */
export async function objectStoredAt(s3: S3Client, bucket: string, key: string): Promise<Date | undefined> {
  const { HeadObjectCommand } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.LastModified ?? new Date();
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return undefined;
    throw err;
  }
}
