import type { S3Event } from 'aws-lambda';
import type { TriageConfig } from '../../../functions/domain/config';
import type { ObjectOutcome, Quarantine, TicketRepository } from '../../../functions/ports';
import type { CustomerDirectory } from '../../../functions/ports/customers';
import type { WeeklyReportRequest, WeeklyReportResult } from '../../../functions/usecases/run-weekly-report';

/**
 * Where a command works: the local stack (`npm start`) or a deployed stack (`--stack NAME`).
 * Commands see only this interface; `openTarget` (open-target.ts) picks the implementation from the options.
 */
export interface Target {
  readonly kind: 'local' | 'aws';
  /** For messages: "the local stack" or "stack EmailTriage-prod (eu-west-1)". */
  readonly label: string;
  /** Tickets, messages, outcomes: the same DynamoDB adapter the functions use. */
  readonly repository: TicketRepository;
  /** Mail held for its spam/virus verdict. */
  readonly quarantine: Quarantine;
  /** Customer records (tickets per address, merged addresses): the same DynamoDB adapter the inbound function uses. */
  readonly customers: CustomerDirectory;
  /** Names of the departments (the ticket index is keyed by department). */
  readonly departments: readonly string[];
  /** The whole config, when the target has it (the local stack); a deployed stack publishes only the department names. */
  readonly config?: TriageConfig;
  /** The raw-mail bucket. */
  readonly bucketName: string;
  /** The region of the stack (`us-east-1` locally). */
  readonly region: string;
  /** How many times faster timer waits run (`npm start -- --time-scale N`); 1 on AWS. */
  readonly timeScale: number;
  /** When the raw-mail object was stored (its arrival), or undefined when there is no such object. */
  objectStoredAt(key: string): Promise<Date | undefined>;
  /**
   * Runs the inbound function once on an S3 event, synchronously, as its trigger would (the same code,
   * environment and permissions): resolves with its outcomes, rejects with {@link InboundFailure}.
   */
  invokeInbound(event: S3Event): Promise<ObjectOutcome[]>;
  /**
   * Runs the weekly report function once, synchronously (the module the schedule runs, with its
   * config, environment and permissions): its result, or a {@link ReportFailure}.
   */
  invokeWeeklyReport(request: WeeklyReportRequest): Promise<WeeklyReportResult>;
  /** Events the inbound function failed on after its retries. */
  deadLetters(): DeadLetterQueue;
  /** Releases clients and connections. */
  close(): void;
}

/** One event the inbound function failed on after its retries. */
export interface DeadLetter {
  /** file name (local) or SQS message id (AWS) */
  id: string;
  /** the event as the function received it; undefined when the entry holds no S3 event */
  event?: S3Event;
  /** the last error */
  error?: string;
  failedAt?: string;
}

/** The dead-letter queue of the inbound function. */
export interface DeadLetterQueue {
  /** Where the letters are, for messages. */
  readonly location: string;
  /** How many letters wait (approximate on AWS). */
  count(): Promise<number>;
  /** The next letters; each is handed out once per run; empty when no more are waiting. */
  receive(): Promise<DeadLetter[]>;
  /** Deletes a letter that was replayed. */
  remove(letter: DeadLetter): Promise<void>;
}

/** The inbound function ran and failed (its own error, not a failure to reach it). */
export class InboundFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InboundFailure';
  }
}

/** The report function ran and failed (its own error, e.g. a bad `--ending`). */
export class ReportFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportFailure';
  }
}
