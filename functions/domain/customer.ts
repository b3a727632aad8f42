/**
 * Customers: one record per normalised sender address, with the ids of the tickets it opened. An
 * operator can merge two addresses of one person (`triage customers merge A B`): B becomes an alias
 * of A, and A's record shows the tickets of both.
 */

/** A customer as the directory resolves it: the primary address, its aliases, and every ticket of them all. */
export interface Customer {
  /** The primary (normalised) address. */
  address: string;
  /** Addresses merged into this customer. */
  aliases: string[];
  /** Ticket ids opened by the primary address or any alias, sorted. */
  ticketIds: string[];
  /** When the first ticket of any of these addresses was recorded (ISO-8601). */
  firstSeenAt?: string;
}

/**
 * The key a customer is filed under: the address trimmed and lower-cased, nothing else.
 *
 * Deliberately conservative. Plus-addressing (`jane+shop@`) and dots in the local part
 * (`j.ane@`) are NOT folded: whether `jane+shop` and `jane` (or `j.ane` and `jane`) reach the same
 * mailbox depends on the receiving provider (Gmail ignores dots, most providers do not; some use `-`
 * instead of `+`, some allow a literal `+`). Folding them wrongly would put one person's tickets
 * into another's status mail; leaving them apart only costs an operator a `triage customers merge`.
 * The local part is lower-cased although RFC 5321 lets it be case-sensitive: no mainstream provider
 * treats it so, and the rest of the system (mail reader, ticket filters) already compares lower case.
 */
export function normaliseAddress(address: string): string {
  return address.trim().toLowerCase();
}

/** A syntactically plausible address (one @, something on each side, no spaces): the CLI checks arguments with it. */
export function looksLikeAddress(address: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address.trim());
}

/** `BIL-1002` before `BIL-1010`: by prefix, then by number. */
export function compareTicketIds(x: string, y: string): number {
  const number = (id: string) => Number(/-(\d+)$/.exec(id)?.[1] ?? 0);
  const prefix = (id: string) => id.replace(/-\d+$/, '');
  return prefix(x).localeCompare(prefix(y)) || number(x) - number(y);
}
