/**
 * SES bounce and complaint notifications, read into the domain's terms, and the policy that turns
 * them into suppressions. Pure: no AWS import; the feedback function hands in the SNS message text.
 *
 * Two shapes reach us: configuration-set event publishing (`eventType: "Bounce" | "Complaint"`, what
 * this stack configures) and identity feedback notifications (`notificationType`), which carry the
 * same `mail`, `bounce` and `complaint` objects.
 */

export type FeedbackKind = 'bounce' | 'complaint';

/** One recipient SES reported on. */
export interface FeedbackRecipient {
  /** Lower-cased address. */
  address: string;
  /** DSN status (`5.1.1`) when the receiving server gave one. */
  status?: string;
  /** The remote server's words (`smtp; 550 5.1.1 user unknown`). */
  diagnosticCode?: string;
}

/** A bounce or complaint about one message we sent. */
export interface SesFeedback {
  kind: FeedbackKind;
  /** Bounce: `Permanent`, `Transient` or `Undetermined`; complaint: the feedback type (`abuse`, `fraud` ...) or `unknown`. */
  type: string;
  /** Bounce sub-type (`General`, `NoEmail`, `MailboxFull`, `MessageTooLarge` ...), complaint sub-type when SES gave one. */
  subType?: string;
  /** SES's id of this notification; the same notification delivered twice has the same id. */
  feedbackId: string;
  /** When the bounce or complaint happened (ISO-8601). */
  at: string;
  /** The id SendRawEmail returned for the mail this is about. */
  sesMessageId: string;
  /** Region of the sending identity, from `mail.sourceArn` (it decides the Message-ID domain). */
  region?: string;
  /** The mail's sender (`mail.source`). */
  source: string;
  /** The mail's envelope recipients (`mail.destination`). */
  destination: string[];
  /** The recipients this notification is about. */
  recipients: FeedbackRecipient[];
  /** Subject of the mail, when SES included the headers. */
  subject?: string;
  /** Our `X-Triage-Ticket` header of the mail, when SES included the headers. */
  ticketHeader?: string;
  /** The MTA that reported it (`dsn; mta.example.org`), for bounces. */
  reportingMta?: string;
}

export type ParsedNotification = { feedback: SesFeedback } | { ignored: string };

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** `Jane <jane@example.org>` or `jane@example.org` -> `jane@example.org`. */
export function bareAddress(value: string): string {
  const match = /<([^<>]*)>\s*$/.exec(value);
  return (match ? match[1] : value).trim().toLowerCase();
}

function headerOf(mail: Json, name: string): string | undefined {
  const headers = Array.isArray(mail.headers) ? mail.headers : [];
  const found = headers.find(
    (h): h is Json => isObject(h) && typeof h.name === 'string' && h.name.toLowerCase() === name.toLowerCase(),
  );
  return found ? str(found.value) : undefined;
}

function recipientsOf(list: unknown): FeedbackRecipient[] {
  if (!Array.isArray(list)) return [];
  const out: FeedbackRecipient[] = [];
  for (const entry of list) {
    if (!isObject(entry)) continue;
    const address = str(entry.emailAddress);
    if (!address) continue;
    out.push({ address: bareAddress(address), status: str(entry.status), diagnosticCode: str(entry.diagnosticCode) });
  }
  // one entry per address: a recipient listed twice is still one recipient
  return out.filter((r, i) => out.findIndex((o) => o.address === r.address) === i);
}

/**
 * Reads an SNS message body published by SES.
 * @returns the feedback, or `ignored` with the reason for anything else (delivery events, SES's
 *   subscription test message, text that is not JSON): such messages are acknowledged, not retried.
 */
export function parseSesNotification(message: string): ParsedNotification {
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    return { ignored: 'the SNS message is not JSON' };
  }
  if (!isObject(body)) return { ignored: 'the SNS message is not a JSON object' };
  const type = str(body.eventType) ?? str(body.notificationType);
  if (!type) return { ignored: 'no eventType or notificationType: not an SES notification' };
  if (type !== 'Bounce' && type !== 'Complaint')
    return { ignored: `SES ${type} notification: only bounces and complaints are acted on` };
  const mail = isObject(body.mail) ? body.mail : undefined;
  const sesMessageId = mail && str(mail.messageId);
  if (!mail || !sesMessageId) return { ignored: `SES ${type} notification without mail.messageId` };

  const region = /^arn:aws[a-z-]*:ses:([a-z0-9-]+):/.exec(str(mail.sourceArn) ?? '')?.[1];
  const commonHeaders = isObject(mail.commonHeaders) ? mail.commonHeaders : {};
  const common = {
    sesMessageId,
    region,
    source: bareAddress(str(mail.source) ?? ''),
    destination: (Array.isArray(mail.destination) ? mail.destination : [])
      .filter((d): d is string => typeof d === 'string')
      .map(bareAddress),
    subject: str(commonHeaders.subject) ?? headerOf(mail, 'subject'),
    ticketHeader: headerOf(mail, 'x-triage-ticket'),
  };

  if (type === 'Bounce') {
    const bounce = isObject(body.bounce) ? body.bounce : undefined;
    if (!bounce) return { ignored: 'SES Bounce notification without a bounce object' };
    const recipients = recipientsOf(bounce.bouncedRecipients);
    if (recipients.length === 0) return { ignored: 'SES Bounce notification without bounced recipients' };
    return {
      feedback: {
        kind: 'bounce',
        type: str(bounce.bounceType) ?? 'Undetermined',
        subType: str(bounce.bounceSubType),
        feedbackId: str(bounce.feedbackId) ?? `${sesMessageId}-bounce`,
        at: str(bounce.timestamp) ?? str(mail.timestamp) ?? new Date(0).toISOString(),
        recipients,
        reportingMta: str(bounce.reportingMTA),
        ...common,
      },
    };
  }
  const complaint = isObject(body.complaint) ? body.complaint : undefined;
  if (!complaint) return { ignored: 'SES Complaint notification without a complaint object' };
  const recipients = recipientsOf(complaint.complainedRecipients);
  if (recipients.length === 0) return { ignored: 'SES Complaint notification without complained recipients' };
  return {
    feedback: {
      kind: 'complaint',
      type: str(complaint.complaintFeedbackType) ?? 'unknown',
      subType: str(complaint.complaintSubType),
      feedbackId: str(complaint.feedbackId) ?? `${sesMessageId}-complaint`,
      at: str(complaint.timestamp) ?? str(mail.timestamp) ?? new Date(0).toISOString(),
      recipients,
      ...common,
    },
  };
}

/**
 * What a transient bounce may lead to. A mailbox that is full, or a server that is down, is not a
 * dead address: one transient bounce suppresses nothing. But answering an address that bounced
 * `bounces` times within `windowDays` only feeds the bounce rate SES judges us by, so it is
 * suppressed for `suppressDays`; after that, mail is tried again (and it takes `bounces` new
 * bounces to suppress it again).
 */
export const TRANSIENT_BOUNCE_POLICY = { bounces: 3, windowDays: 7, suppressDays: 7 } as const;

/** Transient sub-types that describe the MESSAGE (too large, content refused), not the address: they never count. */
const MESSAGE_LEVEL_SUBTYPES = new Set(['messagetoolarge', 'contentrejected', 'attachmentrejected']);

/**
 * What a notification does to each of its recipients:
 * - `suppress`: a permanent bounce (any sub-type: no such mailbox, on the SES or account suppression
 *   list) or a complaint (except the feedback type `not-spam`): nothing is sent to the address again
 *   until an operator lifts it;
 * - `count`: a transient or undetermined bounce about the address (`General`, `MailboxFull` ...):
 *   counted, see {@link TRANSIENT_BOUNCE_POLICY};
 * - `note`: recorded on the ticket only (a transient bounce about the message itself, `not-spam`).
 */
export function feedbackAction(
  feedback: Pick<SesFeedback, 'kind' | 'type' | 'subType'>,
): 'suppress' | 'count' | 'note' {
  if (feedback.kind === 'complaint') return feedback.type.toLowerCase() === 'not-spam' ? 'note' : 'suppress';
  if (feedback.type === 'Permanent') return 'suppress';
  if (MESSAGE_LEVEL_SUBTYPES.has((feedback.subType ?? '').toLowerCase())) return 'note';
  return 'count';
}

/**
 * The Message-IDs recipients saw on the mail SES sent (see `SesMailer`): `<id@email.amazonses.com>`
 * in us-east-1, `<id@REGION.amazonses.com>` elsewhere. Both are tried, the likely one first.
 */
export function deliveredMessageIdCandidates(sesMessageId: string, region: string | undefined): string[] {
  const regional = region && region !== 'us-east-1' ? `<${sesMessageId}@${region}.amazonses.com>` : undefined;
  const global = `<${sesMessageId}@email.amazonses.com>`;
  return regional ? [regional, global] : [global];
}

/** One human sentence about a notification, for the ticket's conversation. */
export function describeFeedback(feedback: SesFeedback, what: string, effects: string[]): string {
  const who = feedback.recipients
    .map((r) => [r.address, r.status, r.diagnosticCode].filter(Boolean).join(' '))
    .join('; ');
  const head =
    feedback.kind === 'bounce'
      ? `${feedback.type} bounce${feedback.subType ? ` (${feedback.subType})` : ''} of ${what}: ${who}.`
      : `Complaint${feedback.type !== 'unknown' ? ` (${feedback.type})` : ''} about ${what} from ${who}.`;
  return [head, ...effects].join('\n');
}
