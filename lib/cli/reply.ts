import nodemailer from 'nodemailer';
import type { TriageConfig } from '../../functions/domain/config';
import { departmentAddress } from '../../functions/domain/compose';
import { replyAddress } from '../../functions/domain/reply-token';
import type { TicketMessage } from '../../functions/domain/ticket';
import type { TicketRepository } from '../../functions/ports';
import { CliError } from './errors';

/** What `triage reply` needs: the tickets, the config, the reply-token key and the SMTP server to send to. */
export interface ReplyContext {
  repository: TicketRepository;
  config: TriageConfig;
  replyTokenKey: () => Promise<string>;
  smtp: { host: string; port: number };
}

/** The mail `triage reply` sends, as a mail client would write it. */
export interface ComposedReply {
  from: string;
  to: string;
  subject: string;
  inReplyTo?: string;
  references: string[];
  text: string;
  /** `agent` answers through the per-ticket reply address; `customer` writes to the department address. */
  role: 'agent' | 'customer';
}

/** The latest message we sent to `address` on the ticket, the one a mail client would be answering. */
function latestSentTo(messages: TicketMessage[], address: string): TicketMessage | undefined {
  return messages
    .filter((m) => m.direction === 'out' && m.messageId && (m.to.includes(address) || m.cc.includes(address)))
    .sort((a, b) => a.at.localeCompare(b.at))
    .at(-1);
}

/**
 * Writes the reply a person's mail client would send: an agent answers the forwarded copy (to its
 * per-ticket Reply-To), anyone else answers our latest mail to them (to the department address);
 * In-Reply-To and References point at the Message-ID the person received (the one SES assigned).
 */
export async function composeReply(
  ctx: ReplyContext,
  ticketId: string,
  from: string,
  text: string,
): Promise<ComposedReply> {
  const ticket = await ctx.repository.getTicket(ticketId.toUpperCase());
  if (!ticket) throw new CliError(`no ticket ${ticketId}`);
  const sender = from.trim().toLowerCase();
  const messages = await ctx.repository.listMessages(ticket.id);
  const isAgent = ctx.config.departments.some((d) => d.agents.includes(sender) || d.lead === sender);
  const answering = latestSentTo(messages, sender);
  const dept = ctx.config.departments.find((d) => d.name === ticket.department)!;
  const to = isAgent
    ? replyAddress(await ctx.replyTokenKey(), ticket.id, ctx.config.replyDomain)
    : departmentAddress(ctx.config, dept);
  const subject = answering
    ? /^re:/i.test(answering.subject)
      ? answering.subject
      : `Re: ${answering.subject}`
    : `Re: [${ticket.id}] ${ticket.subject}`;
  const references = [
    ...new Set([ticket.messageIds[0], answering?.messageId].filter((id): id is string => Boolean(id))),
  ];
  return {
    from: sender,
    to,
    subject,
    inReplyTo: answering?.messageId,
    references,
    text,
    role: isAgent ? 'agent' : 'customer',
  };
}

/** Sends a composed reply over SMTP, as a mail client would. */
export async function sendReply(ctx: ReplyContext, reply: ComposedReply): Promise<string> {
  const transport = nodemailer.createTransport({
    host: ctx.smtp.host,
    port: ctx.smtp.port,
    secure: false,
    ignoreTLS: true,
  });
  try {
    const info = await transport.sendMail({
      from: reply.from,
      to: reply.to,
      subject: reply.subject,
      text: reply.text,
      inReplyTo: reply.inReplyTo,
      references: reply.references,
    });
    return info.messageId;
  } finally {
    transport.close();
  }
}
