import type { MailAddress, MailAttachment } from './mail';

/** A mail we want sent, as data; the Mailer adapter turns it into MIME. */
export interface OutgoingMail {
  /** What this mail is, for the conversation record: `ack`, `agent-copy`, `escalation` ... */
  kind: string;
  /** The ticket it is about; empty for mail about no single ticket (a status answer, the weekly report). */
  ticketId: string;
  from: MailAddress;
  to: string[];
  cc?: string[];
  replyTo?: string;
  subject: string;
  text: string;
  html?: string;
  /** Message-ID we propose (SES replaces it; the one it returns is stored too). */
  messageId: string;
  inReplyTo?: string;
  references?: string[];
  /** Extra headers, e.g. Auto-Submitted. Values are encoded by the MIME builder, never pasted raw. */
  headers: Record<string, string>;
  attachments?: MailAttachment[];
}

/** What the sender returns: SES's own id and the Message-ID recipients will see. */
export interface SentMail {
  sesMessageId: string;
  /** `<sesMessageId@email.amazonses.com>`-style id that recipients see. */
  deliveredMessageId: string;
  /**
   * Recipients left out because they are on the suppression list (bounced, complained). When it
   * names every recipient, nothing was sent: `sesMessageId` is empty.
   */
  suppressed?: string[];
}
