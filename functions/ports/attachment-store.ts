import type { LinkedAttachment } from '../domain/attachments';

/** Keeps attachments too large to forward and hands out time-limited download links. */
export interface AttachmentStore {
  keep(
    ticketId: string,
    attachment: { filename: string; contentType: string; content: Buffer },
  ): Promise<LinkedAttachment>;
}

export type { LinkedAttachment };
