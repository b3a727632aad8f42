import { randomUUID } from 'node:crypto';
import { COMMAND_HELP, parseAgentCommands, type AgentCommand } from '../domain/commands';
import { composeAgentCopy, composeAgentNotice, composeNote, composeRelay } from '../domain/compose';
import type { Department, TriageConfig } from '../domain/config';
import type { MachineMailSignal } from '../domain/gate';
import type { InboundMail } from '../domain/mail';
import { faqConfirmationOf } from '../domain/faq-confirmation';
import { visibleReplyText } from '../domain/quotes';
import { replyAddress } from '../domain/reply-token';
import type { TemplateRegistry } from '../domain/templates';
import type { Ticket, TicketMessage } from '../domain/ticket';
import { retime, type TimerChange } from '../domain/timers';
import type { ObjectOutcome, SecretSource, TicketRepository, TimerScheduler } from '../ports';
import { inboundRecord, type DeliverySteps } from './delivery-steps';
import { updateTicket } from './update-ticket';

/** What the conversation steps need to know about the mail being handled. */
export interface ConversationContext {
  dedupeKey: string;
  done: readonly string[];
  mail: InboundMail;
  rawKey: string;
  arrivedAt: Date;
  base: Pick<ObjectOutcome, 'key' | 'at' | 'from' | 'subject'>;
}

export interface ConversationDependencies {
  config: TriageConfig;
  templates: TemplateRegistry;
  repository: TicketRepository;
  secrets: SecretSource;
  steps: DeliverySteps;
  timers: TimerScheduler;
  now: () => Date;
}

/**
 * Mail that belongs to an existing ticket: the customer writing again, an agent answering (relayed
 * to the customer, or commands and internal notes), machine mail about the ticket, and refusals.
 * `ProcessInboundMail` has already decided which of these a mail is (`decideConversation`), so each
 * is its own entry point rather than one `execute` that would decide again.
 *
 * Primary course of a customer's mail (`appendCustomerMail`):
 * 1. Store the mail on the ticket and index its Message-ID.
 * 2. Reopen the ticket (or close it, when the customer confirms an automatic answer the department
 *    lets close), and move its timers.
 * 3. Forward a copy to the agents, once.
 *
 * Primary course of an agent's mail (`handleAgentMail`):
 * 1. Parse the commands at the top; an unknown one stops everything and the agent is told the valid ones.
 * 2. Store the mail on the ticket (internal).
 * 3. Relay the text to the customer (unless it is a `#note`), once.
 * 4. Apply the commands (status, assignee, priority, department) and the answer, and move the timers.
 * 5. Copy a note, or a transfer, to the other agents, once.
 */
export class Conversation {
  constructor(private readonly deps: ConversationDependencies) {}

  private department(ticket: Ticket): Department {
    return (
      this.deps.config.departments.find((d) => d.name === ticket.department) ??
      this.deps.config.departments.find((d) => d.name === this.deps.config.triageQueue)!
    );
  }

  private async replyAddressOf(ticketId: string): Promise<string> {
    return replyAddress(await this.deps.secrets.replyTokenKey(), ticketId, this.deps.config.replyDomain);
  }

  /**
   * Applies `change` to the ticket and moves its timers when its waiting state changed (see
   * `retime`): the superseded step is stopped, the new one started. Starting is idempotent, so a
   * retried delivery that finds the ticket already changed starts the current step again, harmlessly.
   */
  private async updateTicket(
    id: string,
    change: (ticket: Ticket) => Ticket | undefined,
    timerChange: TimerChange = {},
  ): Promise<Ticket> {
    const now = this.deps.now();
    const { before, ticket } = await updateTicket(this.deps.repository, id, (t) => {
      const next = change(t);
      return next && retime(t, next, this.department(next), now, timerChange);
    });
    const { timers } = this.deps;
    if (before.timer && (ticket.timerGeneration ?? 0) !== (before.timerGeneration ?? 0)) {
      // best effort: a step that still fires finds its generation outdated and does nothing
      await timers.cancel(id, before.timer).catch(() => undefined);
    }
    if (ticket.timer) await timers.schedule(id, ticket.timer);
    return ticket;
  }

  private inboundRecord(
    ticketId: string,
    kind: string,
    ctx: ConversationContext,
    extra: Partial<TicketMessage> = {},
  ): TicketMessage {
    return inboundRecord(ticketId, kind, ctx.mail, ctx.rawKey, ctx.arrivedAt, extra);
  }

  /** The customer (or a CC'd participant) wrote again: appended, forwarded to the agents, the ticket open again. */
  async appendCustomerMail(ticketId: string, reopen: boolean, ctx: ConversationContext): Promise<ObjectOutcome> {
    const { repository, steps, config, templates } = this.deps;
    const { mail } = ctx;
    await repository.addMessage(this.inboundRecord(ticketId, 'customer', ctx));
    if (mail.messageId) await repository.indexMessageId(mail.messageId, ticketId);
    let confirmed: string | undefined;
    const ticket = await this.updateTicket(ticketId, (t) => {
      // An automatic answer the customer confirms closes the ticket, when the department opted in.
      confirmed = mail.from!.address === t.customer ? faqConfirmationOf(t, config, mail.text) : undefined;
      const status = confirmed ? ('closed' as const) : ('open' as const);
      const lastCustomerMessageId =
        mail.messageId && mail.from!.address === t.customer ? mail.messageId : t.lastCustomerMessageId;
      const messageIds =
        mail.messageId && !t.messageIds.includes(mail.messageId) ? [...t.messageIds, mail.messageId] : t.messageIds;
      if (status === t.status && lastCustomerMessageId === t.lastCustomerMessageId && messageIds === t.messageIds)
        return undefined;
      if (confirmed)
        return {
          ...t,
          status,
          lastCustomerMessageId,
          messageIds,
          closedAt: this.deps.now().toISOString(),
          needsReview: false,
        };
      return { ...t, status, lastCustomerMessageId, messageIds, closedAt: status === 'open' ? undefined : t.closedAt };
    });
    const dept = this.department(ticket);
    const reply = await this.replyAddressOf(ticket.id);
    const why = confirmed
      ? `${mail.from!.address} wrote again on ${ticket.id}: ${confirmed}`
      : reopen
        ? `${mail.from!.address} wrote again on the closed ticket ${ticket.id}; reopened`
        : `${mail.from!.address} wrote again on ${ticket.id}`;
    await steps.sendOnce(ctx.dedupeKey, 'agent-copy', ctx.done, () =>
      composeAgentCopy({
        cfg: config,
        dept,
        ticket,
        mail,
        templates,
        messageIdSeed: `${ticket.id.toLowerCase()}.copy.${randomUUID()}`,
        replyAddress: reply,
        routing: { department: dept.name, rule: 'address', matched: [], reason: why },
      }),
    );
    return { ...ctx.base, outcome: 'appended', ticketId: ticket.id, department: ticket.department, reason: why };
  }

  /** Machine mail about a known ticket (an out-of-office answer to our relay, a bounce): stored on the ticket, nothing else. */
  async appendMachineMail(
    ticketId: string,
    signal: MachineMailSignal,
    ctx: ConversationContext,
  ): Promise<ObjectOutcome> {
    await this.deps.repository.addMessage(
      this.inboundRecord(ticketId, 'machine', ctx, { suppressed: signal, internal: true }),
    );
    const ticket = await this.deps.repository.getTicket(ticketId);
    return {
      ...ctx.base,
      outcome: 'suppressed',
      ticketId,
      department: ticket?.department,
      reason: `machine mail about ${ticketId} (${signal.signal}: ${signal.evidence}); stored on the ticket, not answered`,
    };
  }

  /** Stores a refused mail (on its ticket when known) and, for a person, sends a short notice. */
  async refuse(
    ticketId: string | undefined,
    reason: string,
    notifySender: boolean,
    ctx: ConversationContext,
  ): Promise<ObjectOutcome> {
    const { repository, steps, config, templates } = this.deps;
    const ticket = ticketId ? await repository.getTicket(ticketId) : undefined;
    if (ticket)
      await repository.addMessage(this.inboundRecord(ticket.id, 'refused', ctx, { refusal: reason, internal: true }));
    if (ticket && notifySender) {
      await steps.sendOnce(ctx.dedupeKey, 'notice', ctx.done, () =>
        composeAgentNotice({
          cfg: config,
          dept: this.department(ticket),
          ticketId: ticket.id,
          to: ctx.mail.from!.address,
          subject: ctx.mail.subject || ticket.subject,
          templates,
          messageIdSeed: `${ticket.id.toLowerCase()}.notice.${randomUUID()}`,
          inReplyTo: ctx.mail.messageId,
          problem: { kind: 'refusal', reason },
        }),
      );
    }
    return {
      ...ctx.base,
      outcome: 'rejected',
      ticketId: ticket?.id,
      department: ticket?.department,
      reason: `refused: ${reason}; stored, not relayed`,
    };
  }

  private resolveAgent = (name: string): string | undefined => {
    const wanted = name.trim().toLowerCase();
    const agents = [...new Set(this.deps.config.departments.flatMap((d) => [...d.agents, d.lead]))];
    return agents.find((a) => a === wanted) ?? agents.find((a) => a.split('@')[0] === wanted);
  };

  /**
   * An agent's mail: commands at the top change the ticket; `#note` keeps the text internal;
   * otherwise the text (quoted history stripped) is relayed to the customer from the department
   * address. An unknown command stops everything and tells the agent what is valid.
   */
  async handleAgentMail(ticketId: string, ctx: ConversationContext): Promise<ObjectOutcome> {
    const { repository, steps, config, templates } = this.deps;
    const { mail } = ctx;
    const agent = mail.from!.address;
    const visible = visibleReplyText(mail.text);
    const parsed = parseAgentCommands(
      visible,
      this.resolveAgent,
      config.departments.map((d) => d.name),
    );
    const original = (await repository.getTicket(ticketId))!;

    if (parsed.errors.length > 0) {
      const reason = `command(s) not understood: ${parsed.errors.join('; ')}`;
      await repository.addMessage(
        this.inboundRecord(ticketId, 'agent', ctx, { refusal: reason, internal: true, text: visible }),
      );
      await steps.sendOnce(ctx.dedupeKey, 'notice', ctx.done, () =>
        composeAgentNotice({
          cfg: config,
          dept: this.department(original),
          ticketId,
          to: agent,
          subject: mail.subject || original.subject,
          templates,
          messageIdSeed: `${ticketId.toLowerCase()}.notice.${randomUUID()}`,
          inReplyTo: mail.messageId,
          problem: { kind: 'command-error', errors: parsed.errors, help: COMMAND_HELP },
        }),
      );
      return {
        ...ctx.base,
        outcome: 'rejected',
        ticketId,
        department: original.department,
        reason: `${reason}; nothing relayed, the agent was told the valid commands`,
      };
    }

    const isNote = parsed.commands.some((c) => c.name === 'note');
    const commandLines = parsed.commands.map((c) => c.line);
    await repository.addMessage(
      this.inboundRecord(ticketId, isNote ? 'note' : 'agent', ctx, {
        text: parsed.body,
        textTruncated: false,
        commands: commandLines,
        internal: true,
      }),
    );
    if (mail.messageId) await repository.indexMessageId(mail.messageId, ticketId);

    const relayed = !isNote && parsed.body.length > 0;
    if (relayed) {
      await steps.sendOnce(ctx.dedupeKey, 'relay', ctx.done, () =>
        composeRelay({
          cfg: config,
          dept: this.department(original),
          ticket: original,
          body: parsed.body,
          attachments: mail.attachments,
          templates,
          messageIdSeed: `${ticketId.toLowerCase()}.relay.${randomUUID()}`,
        }),
      );
    }
    const now = this.deps.now();
    const closedByAgent = parsed.commands.some((c) => c.name === 'status' && c.status === 'closed');
    const ticket = await this.updateTicket(
      ticketId,
      (t) => applyCommands({ ...t, ...(relayed ? answered(t, now) : {}) }, parsed.commands, now),
      { answered: relayed, closedByAgent },
    );

    if (isNote && parsed.body) {
      const reply = await this.replyAddressOf(ticketId);
      await steps.sendOnce(ctx.dedupeKey, 'note', ctx.done, () =>
        composeNote({
          cfg: config,
          dept: this.department(ticket),
          ticket,
          author: agent,
          body: parsed.body,
          templates,
          messageIdSeed: `${ticketId.toLowerCase()}.note.${randomUUID()}`,
          replyAddress: reply,
        }),
      );
    }
    const transfer = parsed.commands.find((c): c is Extract<AgentCommand, { name: 'dept' }> => c.name === 'dept');
    if (transfer && transfer.department !== original.department) {
      const reply = await this.replyAddressOf(ticketId);
      const body = `${agent} transferred ${ticketId} from ${original.department} to ${transfer.department}.\n\n${parsed.body || original.subject}`;
      await steps.sendOnce(ctx.dedupeKey, 'note', ctx.done, () =>
        composeNote({
          cfg: config,
          dept: this.department(ticket),
          ticket,
          author: agent,
          body,
          templates,
          messageIdSeed: `${ticketId.toLowerCase()}.transfer.${randomUUID()}`,
          replyAddress: reply,
        }),
      );
    }

    const did = [
      relayed
        ? `relayed to ${[original.customer, ...original.participants.filter((p) => p !== original.customer)].join(', ')}`
        : undefined,
      isNote ? 'internal note copied to the other agents' : undefined,
      commandLines.length ? `commands ${commandLines.join(', ')}` : undefined,
    ].filter(Boolean);
    return {
      ...ctx.base,
      outcome: relayed ? 'relayed' : 'appended',
      ticketId,
      department: ticket.department,
      reason: `agent ${agent}: ${did.join('; ') || 'nothing to relay'}`,
    };
  }
}

/** What an answer to the customer changes: the first response is recorded, the ticket waits on the customer. */
function answered(t: Ticket, now: Date): Partial<Ticket> {
  return {
    firstResponseAt: t.firstResponseAt ?? now.toISOString(),
    status: 'waiting',
    needsReview: t.needsReview ? false : t.needsReview,
  };
}

/** Applies agent commands to a ticket (status, assignee, priority, department). */
export function applyCommands(t: Ticket, commands: readonly AgentCommand[], now: Date): Ticket {
  let next = { ...t };
  for (const c of commands) {
    if (c.name === 'status')
      next = {
        ...next,
        status: c.status,
        closedAt: c.status === 'closed' ? now.toISOString() : undefined,
        closedBy: c.status === 'closed' ? 'agent' : undefined,
      };
    if (c.name === 'assign') next = { ...next, assignee: c.agent };
    if (c.name === 'priority') next = { ...next, priority: c.priority };
    if (c.name === 'dept') next = { ...next, department: c.department };
  }
  return next;
}
