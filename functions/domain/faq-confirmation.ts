import type { TriageConfig } from './config';
import { fold } from './matchers';
import { visibleReplyText } from './quotes';
import type { Ticket } from './ticket';

/**
 * Phrases with which a customer says an automatic answer solved the problem, per language, folded
 * (lower case, no accents). Kept short and explicit on purpose: closing a ticket on a misread
 * "thanks" would hide a customer's problem, leaving it open only costs an agent a click.
 */
const CONFIRMATIONS = [
  // en
  'that solved it',
  'that solves it',
  'this solved it',
  'problem solved',
  'issue solved',
  'problem resolved',
  'issue resolved',
  'that helped',
  'this helped',
  'that answers my question',
  'that answered my question',
  'that worked',
  'that works',
  'all sorted',
  'that is all i needed',
  "that's all i needed",
  'you can close',
  // de
  'das hat geholfen',
  'hat geholfen',
  'problem gelost',
  'problem ist gelost',
  'hat sich erledigt',
  'das hat funktioniert',
  'hat geklappt',
  'frage ist beantwortet',
  'konnen sie schliessen',
  'konnen das ticket schliessen',
  // es
  'eso lo resolvio',
  'eso lo soluciono',
  'problema resuelto',
  'problema solucionado',
  'me sirvio',
  'me ha servido',
  'eso funciono',
  'ya esta resuelto',
  'pueden cerrar',
];
/** Words that turn a confirmation into its opposite or add a new problem ("that did not help", "but it still ..."). */
const DOUBTS =
  /(?<![\p{L}])(not|no|never|n't|but|still|however|yet|nicht|kein|keine|nie|aber|noch|jedoch|trotzdem|pero|todavia|aun|sin embargo|nunca)(?![\p{L}])|n't|\?/u;
/** A confirmation is a line or two; a longer reply is a new question for an agent. */
const MAX_CONFIRMATION_CHARS = 240;

/**
 * Whether a reply confirms that an answer solved the problem: short (quoted history and signature
 * cut off), a confirmation phrase, no question and no negation or "but".
 * @returns the phrase that confirmed, or undefined.
 */
export function confirmationIn(text: string): string | undefined {
  const own = fold(visibleReplyText(text.slice(0, 20_000)))
    .replace(/[’`]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
  if (!own || own.length > MAX_CONFIRMATION_CHARS || DOUBTS.test(own)) return undefined;
  return CONFIRMATIONS.find((phrase) =>
    new RegExp(`(?<![\\p{L}])${phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}])`, 'u').test(own),
  );
}

/**
 * A customer's reply that closes an automatically answered ticket: the department opted in
 * (`resolveOnFaqConfirmation`), the ticket still waits for an agent's review (no agent answered yet)
 * and the reply confirms the answer.
 * @returns why the ticket closes, or undefined when it stays open.
 */
export function faqConfirmationOf(ticket: Ticket, cfg: TriageConfig, text: string): string | undefined {
  const dept = cfg.departments.find((d) => d.name === ticket.department);
  if (
    !dept?.resolveOnFaqConfirmation ||
    !ticket.autoAnswered ||
    !ticket.needsReview ||
    ticket.firstResponseAt ||
    ticket.status === 'closed'
  )
    return undefined;
  const phrase = confirmationIn(text);
  return phrase
    ? `the customer confirmed the automatic answer "${ticket.autoAnswered}" ("${phrase}"); closed`
    : undefined;
}
