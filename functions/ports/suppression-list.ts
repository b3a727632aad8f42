/**
 * Addresses we must not mail any more: they bounced for good, complained, or bounced too often.
 * Filled by the SES feedback function, read by every mailer (`SuppressingMailer`).
 */
export interface Suppression {
  /** Lower-cased address. */
  address: string;
  /** `bounce` (permanent), `complaint`, or `transient-bounces` (too many soft bounces in a row). */
  reason: 'bounce' | 'complaint' | 'transient-bounces';
  /** What SES reported, for people (`Permanent bounce (General): 550 5.1.1 user unknown`). */
  detail: string;
  /** When it started (ISO-8601). */
  since: string;
  /** When it ends (ISO-8601); absent: until an operator lifts it. */
  until?: string;
  /** The SES notification that caused it. */
  feedbackId?: string;
}

export interface SuppressionList {
  /** The suppressions in force at `now` among `addresses` (any case); unknown addresses are simply absent. */
  find(addresses: readonly string[], now: Date): Promise<Suppression[]>;
  /**
   * Suppresses an address. A suppression with `until` never replaces one without: a soft
   * suppression cannot shorten a permanent one.
   */
  suppress(entry: Suppression): Promise<void>;
  /**
   * Records one transient bounce of `address` (the same `feedbackId` twice counts once) and returns
   * how many transient bounces it had in the `windowMs` before `at`, this one included.
   */
  recordTransientBounce(address: string, feedbackId: string, at: Date, windowMs: number): Promise<number>;
  /** Lifts the suppression of an address; false when it had none. */
  lift(address: string): Promise<boolean>;
}
