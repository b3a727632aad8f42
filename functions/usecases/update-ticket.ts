import type { Ticket } from '../domain/ticket';
import type { TicketRepository } from '../ports';

/** How often a ticket update is retried when another function changed the ticket meanwhile. */
const UPDATE_ATTEMPTS = 5;

/**
 * Applies `change` to the current ticket with optimistic concurrency (the version): a change computed
 * from a ticket someone else changed meanwhile is computed again from the new one.
 * @returns the saved ticket and whether `change` changed anything (`undefined` from `change` means no).
 * @throws when the ticket does not exist, or kept changing (the caller's event is retried).
 */
export async function updateTicket(
  repository: TicketRepository,
  id: string,
  change: (ticket: Ticket) => Ticket | undefined,
): Promise<{ before: Ticket; ticket: Ticket; changed: boolean }> {
  for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
    const current = await repository.getTicket(id);
    if (!current) throw new Error(`ticket ${id} does not exist`);
    const next = change(structuredClone(current));
    if (!next) return { before: current, ticket: current, changed: false };
    if (await repository.saveTicket(next, current.version))
      return { before: current, ticket: { ...next, version: current.version + 1 }, changed: true };
  }
  throw new Error(`ticket ${id} kept changing; giving up after ${UPDATE_ATTEMPTS} attempts (it will be retried)`);
}
