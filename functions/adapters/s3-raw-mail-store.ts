import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RawMailStore } from '../ports';

/** Reads the raw mail SES stored. */
export class S3RawMailStore implements RawMailStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async get(key: string): Promise<Buffer> {
    const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!Body) throw new Error(`s3://${this.bucket}/${key} has no body`);
    const bytes = await Body.transformToByteArray();
    // A view, not a copy: a 40 MB mail would otherwise sit in memory twice.
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
}
