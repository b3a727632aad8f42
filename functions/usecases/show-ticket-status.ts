import type { Department, TriageConfig } from '../domain/config';
import { ticketStatusView, type TicketStatusView } from '../domain/customer-view';
import { verifyLinkToken } from '../domain/signed-link';
import type { SecretSource, TicketRepository } from '../ports';

/** What the status page shows: the ticket, or nothing (a forged or expired link, or a ticket that is gone). */
export type StatusPageResult = { kind: 'ticket'; view: TicketStatusView } | { kind: 'refused' } | { kind: 'not-found' };

export interface ShowTicketStatusDependencies {
  config: TriageConfig;
  repository: Pick<TicketRepository, 'getTicket' | 'listMessages'>;
  secrets: SecretSource;
  now?: () => Date;
}

/**
 * The customer's status page: verifies the signed link, then reads the ticket and what the customer may see of it.
 *
 * Primary course:
 * 1. Verify the signed link (a forged or expired one is refused, naming no ticket).
 * 2. Read the ticket and its department; a ticket or department that is gone is not found.
 * 3. Read its messages and build the customer's view (only what the customer may see).
 */
export class ShowTicketStatus {
  private readonly now: () => Date;

  constructor(private readonly deps: ShowTicketStatusDependencies) {
    this.now = deps.now ?? (() => new Date());
  }

  async execute(token: string): Promise<StatusPageResult> {
    const claims = verifyLinkToken(await this.deps.secrets.replyTokenKey(), token, 'status', this.now());
    if (!claims) return { kind: 'refused' };
    const ticket = await this.deps.repository.getTicket(claims.ticketId);
    // not departmentByName: a value import from domain/config would bring zod into the bundle
    const dept = ticket && this.deps.config.departments.find((d: Department) => d.name === ticket.department);
    if (!ticket || !dept) return { kind: 'not-found' };
    const messages = await this.deps.repository.listMessages(ticket.id);
    return { kind: 'ticket', view: ticketStatusView(ticket, dept, messages) };
  }
}
