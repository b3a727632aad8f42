/**
 * The parts of a received mail the domain works with, independent of the parser that produced them.
 * Header names are lower-case; values are the unfolded raw header text.
 */
export interface MailAddress {
  /** Lower-cased, trimmed address (`jane@example.org`). */
  address: string;
  /** Display name as decoded from the header, may be empty. */
  name: string;
}

export interface MailAttachment {
  filename: string;
  contentType: string;
  size: number;
  content: Buffer;
  contentId?: string;
}

export interface InboundMail {
  /** Message-ID with angle brackets, as the sender wrote it; undefined when missing. */
  messageId?: string;
  from?: MailAddress;
  replyTo: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  subject: string;
  /** The sender's Date header, if it parsed. */
  date?: Date;
  inReplyTo?: string;
  references: string[];
  text: string;
  html?: string;
  attachments: MailAttachment[];
  /** Lower-case header name -> every value, in order. */
  headers: ReadonlyMap<string, string[]>;
  /** Top-level media type with parameters, lower-case type (`multipart/report; report-type=delivery-status`). */
  contentType: string;
}

/** First value of a header, trimmed, or undefined. */
export function headerValue(mail: Pick<InboundMail, 'headers'>, name: string): string | undefined {
  return mail.headers.get(name.toLowerCase())?.[0]?.trim();
}

/** The mail's envelope sender as SES recorded it in Return-Path: `''` for the null sender `<>`, undefined when absent. */
export function returnPath(mail: Pick<InboundMail, 'headers'>): string | undefined {
  const value = headerValue(mail, 'return-path');
  if (value === undefined) return undefined;
  const match = /<([^>]*)>/.exec(value);
  return (match ? match[1] : value).trim().toLowerCase();
}
