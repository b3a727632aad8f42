import type { OutgoingMail, SentMail } from '../domain/outgoing';

/** Sends one composed mail. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<SentMail>;
  /**
   * Optional: checks the recipients (e.g. against the suppression list) BEFORE the caller claims
   * the right to send, so a failing look-up is retried instead of costing the mail; `send` then
   * reuses the result for the same mail object.
   */
  screen?(mail: OutgoingMail): Promise<void>;
}
