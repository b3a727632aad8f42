import { randomUUID } from 'node:crypto';
import type { TriageConfig } from '../domain/config';
import { normaliseAddress } from '../domain/customer';
import type { InboundMail } from '../domain/mail';
import { composeStatusReply } from '../domain/status-request';
import type { TemplateRegistry } from '../domain/templates';
import type { Ticket } from '../domain/ticket';
import { readVerdicts, senderAuthenticated } from '../domain/verdicts';
import type { AutoReplyLimiter, ObjectOutcome, TicketRepository } from '../ports';
import type { CustomerDirectory } from '../ports/customers';
import type { DeliverySteps } from './delivery-steps';

export interface StatusRequestDependencies {
  config: TriageConfig;
  templates: TemplateRegistry;
  repository: TicketRepository;
  customers: CustomerDirectory;
  limiter: AutoReplyLimiter;
  steps: DeliverySteps;
  now: () => Date;
}

/** The mail being answered and its delivery record. */
export interface StatusRequest {
  dedupeKey: string;
  done: readonly string[];
  mail: InboundMail;
  /** The department (or general) address it was sent to. */
  recipient: string;
  base: Pick<ObjectOutcome, 'key' | 'at' | 'from' | 'subject'>;
}

/**
 * A customer's `status` mail: answered with the list of their open tickets (merged addresses
 * included), and no ticket is opened. Only an authenticated sender (SPF or DKIM pass, DMARC not
 * failed) gets an answer: the answer goes to the From address, so for a forged From it would tell a
 * stranger's ticket subjects to whoever forged it, or mail the person whose address was forged. An
 * unauthenticated request gets no answer at all (a content-free one would still be backscatter to a
 * forged address); the outcome records why. Answers count against the auto-reply limits like acks.
 *
 * Primary course:
 * 1. Refuse (no answer) a sender that did not pass authentication.
 * 2. Resolve the sender's customer record (merged addresses included) and read its tickets that are
 *    not closed, each checked to belong to one of the customer's addresses.
 * 3. Send the list to the sender once (a delivery step, within the auto-reply limits).
 */
export class AnswerStatusRequest {
  constructor(private readonly deps: StatusRequestDependencies) {}

  /** The sender's tickets that are not closed, checked against the customer's addresses. */
  async openTicketsOf(address: string): Promise<{ addresses: string[]; tickets: Ticket[] }> {
    const customer = await this.deps.customers.resolve(address);
    const addresses = customer ? [customer.address, ...customer.aliases] : [normaliseAddress(address)];
    const mine = new Set(addresses);
    const tickets: Ticket[] = [];
    for (const id of customer?.ticketIds ?? []) {
      const ticket = await this.deps.repository.getTicket(id);
      // The record says whose a ticket is; the ticket itself must agree before a line of it is mailed.
      if (ticket && ticket.status !== 'closed' && mine.has(normaliseAddress(ticket.customer))) tickets.push(ticket);
    }
    return { addresses, tickets };
  }

  async execute(request: StatusRequest): Promise<ObjectOutcome> {
    const { config, templates, limiter, steps, now } = this.deps;
    const { mail, base } = request;
    const sender = mail.from!.address;
    if (!senderAuthenticated(readVerdicts(mail))) {
      return {
        ...base,
        outcome: 'rejected',
        reason:
          'status request from a sender that did not pass authentication (SPF/DKIM/DMARC); not answered, no ticket opened',
      };
    }
    const { tickets } = await this.openTicketsOf(sender);
    const sent = await steps.sendOnce(
      request.dedupeKey,
      'status',
      request.done,
      () =>
        composeStatusReply({
          cfg: config,
          recipient: request.recipient,
          mail,
          to: sender,
          tickets,
          templates,
          messageIdSeed: `status.${randomUUID()}`,
        }),
      { take: () => limiter.take(sender, now()), giveBack: () => limiter.giveBack(sender, now()) },
      { onTicket: false },
    );
    const listed = tickets.length
      ? `${tickets.length} open ticket(s): ${tickets.map((t) => t.id).join(', ')}`
      : 'no open tickets';
    const note = sent.limited ? `; not answered: ${sent.limited}` : '';
    return { ...base, outcome: 'answered', reason: `status request: ${listed}; no ticket opened${note}` };
  }
}
