import { randomUUID } from 'node:crypto';
import type { TriageConfig } from '../domain/config';
import { composeEscalation } from '../domain/compose';
import { replyAddress } from '../domain/reply-token';
import type { TemplateRegistry } from '../domain/templates';
import type { Mailer, SecretSource, TicketRepository } from '../ports';

export interface TimerDependencies {
  config: TriageConfig;
  templates: TemplateRegistry;
  repository: TicketRepository;
  mailer: Mailer;
  secrets: SecretSource;
  now?: () => Date;
}

/** What the state machine's Choice reads after `check`. */
export interface TicketCheck {
  ticketId: string;
  status: string;
  answered: boolean;
  escalated: boolean;
}

/** The result of an `escalate` step. */
export interface EscalationResult {
  ticketId: string;
  escalated: boolean;
  reason: string;
}

/**
 * The steps the ticket timer state machine calls. Each re-reads the ticket: a timer that waited
 * for days acts on the ticket as it is now, and does nothing when an agent answered meanwhile.
 */
export class RunTicketTimer {
  private readonly now: () => Date;
  constructor(private readonly deps: TimerDependencies) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Re-reads the ticket for the state machine's decision. */
  async check(ticketId: string): Promise<TicketCheck> {
    const ticket = await this.deps.repository.getTicket(ticketId);
    if (!ticket) return { ticketId, status: 'missing', answered: true, escalated: false };
    return { ticketId, status: ticket.status, answered: Boolean(ticket.firstResponseAt) || ticket.status === 'closed', escalated: Boolean(ticket.escalatedAt) };
  }

  /**
   * Escalates to the department lead when the ticket still has no first response. The conditional
   * write comes first, so two runs (a retry) send one escalation.
   */
  async escalate(ticketId: string): Promise<EscalationResult> {
    const { repository, config } = this.deps;
    const now = this.now();
    if (!(await repository.markEscalated(ticketId, now))) return { ticketId, escalated: false, reason: 'answered, closed or already escalated' };
    const ticket = (await repository.getTicket(ticketId))!;
    const dept = config.departments.find((d) => d.name === ticket.department);
    if (!dept) return { ticketId, escalated: false, reason: `department ${ticket.department} is no longer configured` };
    const key = await this.deps.secrets.replyTokenKey();
    const mail = composeEscalation({
      cfg: config,
      dept,
      ticket,
      templates: this.deps.templates,
      messageIdSeed: `${ticket.id.toLowerCase()}.escalation.${randomUUID()}`,
      replyAddress: replyAddress(key, ticket.id, config.replyDomain),
      now,
    });
    const sent = await this.deps.mailer.send(mail);
    await repository.indexMessageId(sent.deliveredMessageId, ticket.id);
    await repository.addMessage({
      ticketId: ticket.id,
      direction: 'out',
      kind: 'escalation',
      at: now.toISOString(),
      from: mail.from.address,
      to: mail.to,
      cc: [],
      subject: mail.subject,
      text: mail.text,
      textTruncated: false,
      messageId: sent.deliveredMessageId,
      attachments: [],
    });
    return { ticketId, escalated: true, reason: `first response due ${ticket.dueAt} missed; ${dept.lead} told` };
  }
}
