import { signLinkToken } from './signed-link';

/**
 * The links we mail to customers: the ticket's status page and the satisfaction survey. Each carries a
 * signed token (signed-link.ts) naming the ticket, the purpose and the expiry; the web function
 * (functions/web/handler.ts) verifies it and serves nothing for a forged or expired one.
 */

/** The survey's answers, worst last. */
export const SURVEY_CHOICES = ['good', 'okay', 'bad'] as const;
export type SurveyChoice = (typeof SURVEY_CHOICES)[number];

/** True for `good`, `okay` and `bad`. */
export function isSurveyChoice(value: unknown): value is SurveyChoice {
  return typeof value === 'string' && (SURVEY_CHOICES as readonly string[]).includes(value);
}

/** `https://x/` + `status/T` -> `https://x/status/T` (one slash whatever the base ends with). */
function join(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path}`;
}

function expiry(now: Date, days: number): Date {
  return new Date(now.getTime() + days * 86_400_000);
}

/**
 * The status page link of a ticket, valid for `days` from `now`.
 * @param baseUrl the web function's public URL (`WEB_BASE_URL`), with or without a trailing slash
 * @param key the link signing key (`SecretSource.replyTokenKey()`)
 */
export function statusUrl(baseUrl: string, key: string, ticketId: string, now: Date, days: number): string {
  const token = signLinkToken(key, { purpose: 'status', ticketId, expiresAt: expiry(now, days) });
  return join(baseUrl, `status/${encodeURIComponent(token)}`);
}

/**
 * The three one-click survey links of a ticket (closing mail), valid for `days` from `now`. Opening one
 * only shows the choice with a button; the vote is recorded by that button's POST, so a link scanner
 * that follows every link in a mail does not vote.
 */
export function surveyUrls(
  baseUrl: string,
  key: string,
  ticketId: string,
  now: Date,
  days: number,
): Record<SurveyChoice, string> {
  const token = signLinkToken(key, { purpose: 'survey', ticketId, expiresAt: expiry(now, days) });
  const page = join(baseUrl, `survey/${encodeURIComponent(token)}`);
  return { good: `${page}?choice=good`, okay: `${page}?choice=okay`, bad: `${page}?choice=bad` };
}
