import type { InboundMail } from './mail';
import type { Ticket } from './ticket';

/** How a mail was tied to an existing ticket, strongest first. */
export type ThreadMatch =
  | { by: 'token'; ticketId: string }
  | { by: 'bad-token'; address: string }
  | { by: 'message-id'; ticketId: string; messageId: string }
  | { by: 'subject-tag'; ticketId: string }
  | { by: 'none' };

/** Addresses at the reply domain the mail was written to (To and Cc; a reply goes to the Reply-To we set). */
export function replyDomainAddresses(mail: Pick<InboundMail, 'to' | 'cc'>, replyDomain: string): string[] {
  const suffix = `@${replyDomain.toLowerCase()}`;
  return [...mail.to, ...mail.cc].map((a) => a.address).filter((a) => a.endsWith(suffix));
}

/** The Message-IDs a reply refers to, nearest first: In-Reply-To, then References from the newest. */
export function referencedIds(mail: Pick<InboundMail, 'inReplyTo' | 'references'>): string[] {
  // A real thread's answer is among the newest references; a hostile header with thousands of ids
  // must not cost thousands of look-ups (each is a DynamoDB read).
  return [
    ...new Set([mail.inReplyTo, ...[...mail.references].reverse()].filter((id): id is string => Boolean(id))),
  ].slice(0, MAX_REFERENCES_LOOKED_UP);
}

/** How many referenced Message-IDs are looked up, newest first. */
export const MAX_REFERENCES_LOOKED_UP = 20;

/** What to do with a mail, given the ticket it matched and who sent it. */
export type ConversationAction =
  | { action: 'new-ticket'; linkedTo?: string; linkReason?: string }
  | { action: 'customer-append'; ticketId: string; reopen: boolean }
  | { action: 'agent-reply'; ticketId: string }
  | { action: 'machine-append'; ticketId: string }
  | { action: 'refuse'; ticketId?: string; reason: string; notifySender: boolean };

export interface ConversationInput {
  match: ThreadMatch;
  ticket?: Ticket;
  sender: string;
  /** True when the sender is an agent allowed to answer this ticket. */
  senderIsAgent: boolean;
  /** SES verdicts: SPF or DKIM pass, DMARC not failed. */
  senderAuthenticated: boolean;
  /** The mail is an auto-reply, bounce or the like. */
  machine: boolean;
  now: Date;
  reopenWithinDays: number;
}

const MS_PER_DAY = 24 * 60 * 60 * 1000;

/**
 * Decides where a mail belongs. The rules that keep threading from being hijacked:
 * - agent mail counts only from configured agents who pass SES authentication;
 * - a per-ticket reply address is trusted for its ticket (the token is signed) but only agents and
 *   participants may write there: a stranger is refused and the refusal stored;
 * - a Message-ID reference or subject tag from a sender who is not a participant opens a NEW ticket
 *   linked to the old one, so a stranger never gets text into someone else's ticket.
 */
export function decideConversation(input: ConversationInput): ConversationAction {
  const { match, ticket, sender, now } = input;
  if (match.by === 'bad-token') {
    return {
      action: 'refuse',
      reason: `the reply address ${match.address} does not carry a valid token`,
      notifySender: false,
    };
  }
  if (match.by === 'none' || !ticket) {
    if (match.by === 'token')
      return { action: 'refuse', reason: `ticket ${match.ticketId} does not exist`, notifySender: false };
    return { action: 'new-ticket' };
  }
  // Machine mail about a ticket (a bounce of our relay references our Message-ID; an agent's or the
  // customer's auto-reply) is kept on the ticket. From anyone else it is not let in.
  if (input.machine && (match.by === 'message-id' || input.senderIsAgent || ticket.participants.includes(sender))) {
    return { action: 'machine-append', ticketId: ticket.id };
  }

  if (input.senderIsAgent) {
    if (!input.senderAuthenticated) {
      return {
        action: 'refuse',
        ticketId: ticket.id,
        reason: `mail from agent ${sender} failed SES authentication (needs SPF or DKIM pass and DMARC not failed)`,
        notifySender: true,
      };
    }
    return { action: 'agent-reply', ticketId: ticket.id };
  }

  if (ticket.participants.includes(sender)) {
    if (ticket.status === 'closed') {
      const closedFor = now.getTime() - Date.parse(ticket.closedAt ?? ticket.createdAt);
      if (closedFor > input.reopenWithinDays * MS_PER_DAY) {
        return {
          action: 'new-ticket',
          linkedTo: ticket.id,
          linkReason: `${ticket.id} was closed more than ${input.reopenWithinDays} days ago`,
        };
      }
      return { action: 'customer-append', ticketId: ticket.id, reopen: true };
    }
    return { action: 'customer-append', ticketId: ticket.id, reopen: false };
  }

  if (match.by === 'token') {
    return {
      action: 'refuse',
      ticketId: ticket.id,
      reason: `${sender} is neither an agent of ${ticket.department} nor a participant of ${ticket.id}`,
      notifySender: false,
    };
  }
  const via =
    match.by === 'subject-tag' ? `the subject tag [${ticket.id}]` : `a reference to a message of ${ticket.id}`;
  return {
    action: 'new-ticket',
    linkedTo: ticket.id,
    linkReason: `${sender} used ${via} but is not a participant of ${ticket.id}`,
  };
}
