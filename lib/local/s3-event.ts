import { randomBytes } from 'node:crypto';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { LOCAL_REGION } from './cfn';

/**
 * Real-shaped S3 event notifications. Real S3 URL-encodes the object key in the event (a space becomes
 * `+`, `@` becomes `%40`, ...), s3rver does not (TOOLCHAIN.md); encoding it here makes the handler's
 * `decodeURIComponent(key.replace(/\+/g, ' '))` path run exactly as in AWS. Like real S3, `/` is kept
 * (each path segment is encoded with encodeURIComponent); decoding gives the same key either way.
 */
export function encodeS3EventKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/');
}

/** The ObjectCreated record s3rver emits (its own, not quite real, shape). */
export interface S3rverRecord {
  eventName: string;
  eventTime?: string;
  requestParameters?: { sourceIPAddress?: string };
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
}

let sequence = 0;

export function buildS3Event(record: S3rverRecord, configurationId: string): S3Event {
  const { bucket, object } = record.s3;
  const hex = (n: number) => randomBytes(n).toString('hex').toUpperCase();
  const real: S3EventRecord = {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: LOCAL_REGION,
    eventTime: record.eventTime ?? new Date().toISOString(),
    eventName: record.eventName.replace(/^s3:/, ''),
    userIdentity: { principalId: 'AWS:LOCALSTACKPRINCIPAL' },
    requestParameters: { sourceIPAddress: record.requestParameters?.sourceIPAddress ?? '127.0.0.1' },
    responseElements: { 'x-amz-request-id': hex(8), 'x-amz-id-2': randomBytes(48).toString('base64') },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId,
      bucket: { name: bucket.name, ownerIdentity: { principalId: 'LOCALOWNER' }, arn: `arn:aws:s3:::${bucket.name}` },
      object: {
        key: encodeS3EventKey(object.key),
        size: object.size ?? 0,
        eTag: object.eTag ?? '',
        sequencer: (Date.now() * 1000 + (sequence++ % 1000)).toString(16).toUpperCase().padStart(16, '0'),
      },
    },
  };
  return { Records: [real] };
}
