/** Every outcome one delivered object can have. */
/** `answered`: a status request answered with the sender's open tickets (no ticket is opened). */
export type DeliveryOutcome = 'created' | 'appended' | 'duplicate' | 'suppressed' | 'rejected' | 'relayed' | 'answered';

/** What happened to one S3 object; `triage ingest` prints it. */
export interface ObjectOutcome {
  key: string;
  outcome: DeliveryOutcome;
  reason: string;
  ticketId?: string;
  department?: string;
  from?: string;
  subject?: string;
  at: string;
  /** Set when the mail was held for its spam/virus verdict (a release re-runs it). */
  quarantined?: boolean;
}

/** The claim on one mail (sender + Message-ID); it makes every later delivery of it a duplicate. */
export interface DeliveryClaim {
  /** `new`: first time; `resumed`: a retry of an unfinished attempt; `duplicate`: handled or being handled elsewhere. */
  status: 'new' | 'resumed' | 'duplicate';
  ticketId?: string;
  /** The object the first delivery came in. */
  firstKey: string;
  /** Side effects already done (`ack`, `agent-copy`, `timer`). */
  done: string[];
}

/** Side effects that must happen at most once per mail. */
export type DeliveryStep =
  | 'ack'
  | 'agent-copy'
  | 'timer'
  | 'relay'
  | 'note'
  | 'notice'
  | 'warning'
  | 'escalation'
  | 'follow-up'
  | 'closing'
  | 'survey'
  | 'status';

/**
 * The bookkeeping that makes delivery exactly-once: what became of each stored object, the claim on
 * each mail (its dedupe key: sender + Message-ID), and the side-effect steps of each claim.
 */
export interface DeliveryLedger {
  /** What became of an object, when it was processed to the end. */
  getObjectOutcome(key: string): Promise<ObjectOutcome | undefined>;
  recordObjectOutcome(outcome: ObjectOutcome): Promise<void>;

  /** Claims a mail for the delivery in `objectKey`: new, resumed (the same object again, or a stale claim), or a duplicate. */
  claimDelivery(dedupeKey: string, objectKey: string, now: Date): Promise<DeliveryClaim>;
  /** Binds a ticket id to the claim once; returns the id that is bound (an earlier attempt's, if any). */
  bindTicket(dedupeKey: string, ticketId: string): Promise<string>;
  /**
   * Takes the right to perform a step for `attempt`; false when the step is decided or its mail is
   * being sent. A step claimed by an attempt that never started sending may be taken over. A key
   * without a delivery claim (a timer step's mail: `timer:<execution name>`) gets its record here.
   */
  beginStep(dedupeKey: string, step: DeliveryStep, attempt: string, now: Date): Promise<boolean>;
  /** Records that `attempt` is about to hand the mail to SES; false when another attempt took the step meanwhile. */
  markSending(dedupeKey: string, step: DeliveryStep, attempt: string, now: Date): Promise<boolean>;
  /** Gives the step back after `attempt` failed (the mail was not accepted), so a retry performs it. */
  abandonStep(dedupeKey: string, step: DeliveryStep, attempt: string): Promise<void>;
  /** Records the step as done with what it did (the Message-ID sent, or why nothing was). */
  finishStep(dedupeKey: string, step: DeliveryStep, detail: string): Promise<void>;
  /** Marks the claim done: every later delivery of the mail is a duplicate. */
  completeDelivery(dedupeKey: string, now: Date): Promise<void>;
}
