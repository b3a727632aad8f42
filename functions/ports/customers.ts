import type { Customer } from '../domain/customer';

export type { Customer };

/** Why a merge was refused. */
export class CustomerMergeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CustomerMergeError';
  }
}

/**
 * Customer records keyed by normalised address (see `normaliseAddress`). Every address keeps its
 * own record of the tickets it opened; a merged address points at its primary, and reading the
 * primary gathers the tickets of all its aliases. So a ticket recorded for B while B is being merged
 * into A is never lost: it is on B's record, which A's resolution reads.
 */
export interface CustomerDirectory {
  /** Files `ticketId` under `address` (idempotent: a retry adds nothing). */
  recordTicket(address: string, ticketId: string, at: Date): Promise<void>;
  /** The customer `address` belongs to (following an alias to its primary); undefined when it never opened a ticket and was never merged. */
  resolve(address: string): Promise<Customer | undefined>;
  /**
   * Makes `alias` (and any aliases it had) an alias of `primary`, both resolved to their primaries
   * first, so aliases never chain. Merging two addresses that are one customer already changes nothing.
   * @returns the merged customer, and whether it was one customer already
   * @throws CustomerMergeError when `primary` and `alias` are the same address
   */
  merge(primary: string, alias: string, at: Date): Promise<{ customer: Customer; alreadyMerged: boolean }>;
}
