import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AttachmentStore, LinkedAttachment } from '../ports';

/** SigV4 pre-signed URLs live at most 7 days. */
export const MAX_LINK_SECONDS = 7 * 24 * 3600;

/**
 * Writes an attachment to `attachments/<ticket>/<uuid>/<file name>` in the raw-mail bucket and signs
 * a GET link to it. A link signed with a Lambda role's temporary credentials stops working when those
 * credentials expire (hours), before `expiresAt`; agents who need the file later find it in the raw mail.
 */
export class S3AttachmentStore implements AttachmentStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly linkSeconds: number,
  ) {}

  async keep(
    ticketId: string,
    attachment: { filename: string; contentType: string; content: Buffer },
  ): Promise<LinkedAttachment> {
    // Only the file name's safe characters go into the key; the original name stays in Content-Disposition.
    const safeName = attachment.filename.replace(/[^\w.-]+/g, '_').slice(-100) || 'attachment';
    const key = `attachments/${ticketId}/${randomUUID()}/${safeName}`;
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: attachment.content,
        ContentType: attachment.contentType,
        ContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(attachment.filename)}`,
      }),
    );
    const expiresIn = Math.min(this.linkSeconds, MAX_LINK_SECONDS);
    const url = await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn });
    return {
      filename: attachment.filename,
      size: attachment.content.length,
      url,
      expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString(),
    };
  }
}
