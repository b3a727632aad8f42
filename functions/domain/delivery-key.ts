import { createHash } from 'node:crypto';
import type { InboundMail } from './mail';

/** Who a delivered object was received for: a department (or general) address, or the reply domain. */
export type DeliveryRecipient = { kind: 'department'; address: string } | { kind: 'reply' };

/** The address a delivered object was received for, from its key; `reply` for the reply domain. */
export function recipientOfKey(key: string): DeliveryRecipient | undefined {
  const inbound = /^inbound\/([^/]+@[^/]+)\/[^/]+$/.exec(key);
  if (inbound) return { kind: 'department', address: inbound[1].toLowerCase() };
  if (/^replies\/[^/]+$/.test(key)) return { kind: 'reply' };
  return undefined;
}

/**
 * The identity of a mail across deliveries: its sender and Message-ID, or (without a Message-ID)
 * a hash of the parts a retry does not change. Trace headers that each delivery adds are left out.
 */
export function dedupeKeyOf(mail: InboundMail, raw: Buffer): string {
  const sender = mail.from?.address ?? '(no sender)';
  if (mail.messageId) return `${sender}|${mail.messageId.toLowerCase()}`;
  const bodyStart = raw.indexOf('\n\n') >= 0 ? raw.indexOf('\n\n') : raw.indexOf('\r\n\r\n');
  const hash = createHash('sha256')
    .update(sender)
    .update('\0')
    .update(mail.subject)
    .update('\0')
    .update(mail.date?.toISOString() ?? '')
    .update('\0')
    .update(bodyStart >= 0 ? raw.subarray(bodyStart) : raw)
    .digest('hex');
  return `${sender}|sha256:${hash}`;
}

/** The dedupe key of the mail a timer step sends: one per state machine execution (one per planned step). */
export function timerDedupeKey(executionName: string): string {
  return `timer:${executionName}`;
}
