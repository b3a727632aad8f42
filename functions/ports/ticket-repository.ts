import type { Ticket, TicketMessage, TicketPriority, TicketStatus } from '../domain/ticket';
import type { SurveyChoice } from '../domain/web-links';

/** Which tickets `listTickets` returns (all when empty). */
export interface TicketFilter {
  department?: string;
  status?: TicketStatus;
  /** Only tickets due at or after this ISO time (the index's sort key: a range read, not a filter). */
  dueFrom?: string;
}

/** Tickets and their conversations (the delivery bookkeeping is the `DeliveryLedger`). */
export interface TicketRepository {
  nextTicketNumber(prefix: string): Promise<number>;
  /** Creates the ticket unless it exists (a retry); indexes its Message-IDs. */
  createTicket(ticket: Ticket): Promise<void>;
  getTicket(id: string): Promise<Ticket | undefined>;
  listTickets(filter?: TicketFilter): Promise<Ticket[]>;
  addMessage(message: TicketMessage): Promise<void>;
  listMessages(ticketId: string): Promise<TicketMessage[]>;
  /** Remembers a Message-ID (ours or the customer's) as belonging to a ticket. */
  indexMessageId(messageId: string, ticketId: string): Promise<void>;
  /**
   * Adds a message and remembers each of `messageIds` as belonging to its ticket: the same as
   * `addMessage` and `indexMessageId` for each, in one request where the store allows it (a mail we
   * sent makes three writes; each is an idempotent put, so a retry may repeat them).
   */
  addMessageWithIds(message: TicketMessage, messageIds: readonly string[]): Promise<void>;
  findTicketByMessageId(messageId: string): Promise<string | undefined>;
  /**
   * Replaces the ticket if its stored version is still `expectedVersion` (optimistic concurrency);
   * the saved ticket carries `expectedVersion + 1`. False when someone changed it meanwhile.
   */
  saveTicket(ticket: Ticket, expectedVersion: number): Promise<boolean>;
  /**
   * Operator actions (`triage close|assign|priority`). Each changes one ticket only if it exists, bumps
   * its `version`, and returns the updated ticket (undefined when there is no such ticket).
   * A status change also moves the ticket in the department/status index (`gsi1pk`), sets `closedAt`
   * to `at` when closing and removes it otherwise.
   */
  updateTicketStatus(id: string, status: TicketStatus, at: Date): Promise<Ticket | undefined>;
  /** Sets the agent the ticket is assigned to. */
  assignTicket(id: string, agent: string): Promise<Ticket | undefined>;
  setTicketPriority(id: string, priority: TicketPriority): Promise<Ticket | undefined>;
  /**
   * Records the customer's survey answer once: only if the ticket exists and has no answer yet (a
   * conditional write, so two clicks at once cannot both count). Bumps `version`.
   */
  recordSatisfaction(ticketId: string, choice: SurveyChoice, at: Date): Promise<SatisfactionResult>;
}

/** What became of a survey answer: recorded, refused because one was recorded before (that one is returned), or no such ticket. */
export type SatisfactionResult =
  | { outcome: 'recorded'; satisfaction: NonNullable<Ticket['satisfaction']> }
  | { outcome: 'already-answered'; satisfaction: NonNullable<Ticket['satisfaction']> }
  | { outcome: 'no-ticket' };
