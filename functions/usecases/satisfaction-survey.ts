import { verifyLinkToken } from '../domain/signed-link';
import type { SurveyChoice } from '../domain/web-links';
import type { SecretSource, TicketRepository } from '../ports';

/** The survey page (GET): the question with the link's choice selected, or the answer already given. Records nothing. */
export type SurveyPageResult =
  | { kind: 'question'; ticketId: string; choice?: SurveyChoice; answered?: SurveyChoice }
  | { kind: 'refused' }
  | { kind: 'not-found' };

/** The survey answer (POST): recorded, or the earlier answer that stays. */
export type SurveyAnswerResult =
  | { kind: 'recorded'; ticketId: string; choice: SurveyChoice }
  | { kind: 'already-answered'; ticketId: string; choice: SurveyChoice }
  | { kind: 'refused' }
  | { kind: 'not-found' };

export interface SatisfactionSurveyDependencies {
  repository: Pick<TicketRepository, 'getTicket' | 'recordSatisfaction'>;
  secrets: SecretSource;
  now?: () => Date;
}

/**
 * The one-question satisfaction survey of a closed ticket. Showing the question never records: mail
 * security scanners open every link of a mail, and a link that voted would vote for them. Only the
 * form's POST records, once per ticket; a second answer is refused and the first one stays (a
 * customer who clicks twice, or a forwarded mail, cannot rewrite the rating).
 *
 * Two entry points, because the page and the vote are two requests with different rules: `show`
 * (GET) only reads, `answer` (POST) records. One `execute` would have to be told which, by the method.
 *
 * Primary course:
 * 1. `show`: verify the signed link, read the ticket, show the question (or the answer already given).
 * 2. `answer`: verify the signed link, record the choice unless one was recorded before.
 */
export class SatisfactionSurvey {
  private readonly now: () => Date;

  constructor(private readonly deps: SatisfactionSurveyDependencies) {
    this.now = deps.now ?? (() => new Date());
  }

  private async ticketOf(token: string): Promise<string | undefined> {
    return verifyLinkToken(await this.deps.secrets.replyTokenKey(), token, 'survey', this.now())?.ticketId;
  }

  /** GET: what the page shows. */
  async show(token: string, choice: SurveyChoice | undefined): Promise<SurveyPageResult> {
    const ticketId = await this.ticketOf(token);
    if (!ticketId) return { kind: 'refused' };
    const ticket = await this.deps.repository.getTicket(ticketId);
    if (!ticket) return { kind: 'not-found' };
    return { kind: 'question', ticketId, choice, answered: ticket.satisfaction?.choice };
  }

  /** POST: records the answer once. */
  async answer(token: string, choice: SurveyChoice): Promise<SurveyAnswerResult> {
    const ticketId = await this.ticketOf(token);
    if (!ticketId) return { kind: 'refused' };
    const result = await this.deps.repository.recordSatisfaction(ticketId, choice, this.now());
    if (result.outcome === 'no-ticket') return { kind: 'not-found' };
    return { kind: result.outcome, ticketId, choice: result.satisfaction.choice };
  }
}
