import type { MailAttachment } from './mail';

/** An attachment kept apart from the mail, for a link instead of a copy. */
export interface LinkedAttachment {
  filename: string;
  size: number;
  url: string;
  expiresAt: string;
}

/**
 * Splits attachments into those that travel with a forwarded mail and those too large for it:
 * the smallest go along until the budget is spent, so one huge file does not push out the rest.
 */
export function splitAttachments(
  attachments: readonly MailAttachment[],
  budgetBytes: number,
): { attach: MailAttachment[]; link: MailAttachment[] } {
  const attach: MailAttachment[] = [];
  const link: MailAttachment[] = [];
  let spent = 0;
  for (const a of [...attachments].sort((x, y) => x.size - y.size)) {
    if (spent + a.size <= budgetBytes) {
      attach.push(a);
      spent += a.size;
    } else link.push(a);
  }
  // keep the customer's order for what is attached
  return { attach: attachments.filter((a) => attach.includes(a)), link: attachments.filter((a) => link.includes(a)) };
}
