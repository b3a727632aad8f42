/** The answer of the auto-reply limiter. */
export type LimitDecision = { allowed: true } | { allowed: false; limit: string };

/** Counts automatic replies per sender and overall, and says when one more would exceed a limit. */
export interface AutoReplyLimiter {
  /** Takes one automatic reply to `sender` from the budget, unless a limit is reached. */
  take(sender: string, now: Date): Promise<LimitDecision>;
  /** Returns what an allowed `take(sender, now)` took, when the reply could not be sent after all. */
  giveBack(sender: string, now: Date): Promise<void>;
}
