import type { FaqEntry, TriageConfig } from './config';
import { describeHit, findMatches, type MailText } from './matchers';

/** A FAQ entry that answers a new mail. */
export interface FaqMatch {
  id: string;
  /** The answer's handlebars source, in the ticket's language where the entry has one. */
  answer: string;
  /** The keywords that matched, as people read them. */
  matched: string[];
  score: number;
  reason: string;
}

/** The entry's answer in `language`, else in the department's language, else its first one. */
function answerIn(entry: FaqEntry, language: string, departmentLanguage: string): string {
  if (typeof entry.answer === 'string') return entry.answer;
  return entry.answer[language] ?? entry.answer[departmentLanguage] ?? Object.values(entry.answer)[0];
}

/**
 * Finds the FAQ entry that answers a new mail: its keywords (subject or body) must reach its
 * `minScore`, and it must be meant for the department the mail was routed to. The highest score
 * wins; on a tie the entry listed first. The caller never asks for machine mail.
 */
export function matchFaq(
  cfg: TriageConfig,
  text: MailText,
  department: string,
  language: string,
): FaqMatch | undefined {
  const dept = cfg.departments.find((d) => d.name === department);
  let best: FaqMatch | undefined;
  for (const entry of cfg.faq) {
    if (entry.departments && !entry.departments.includes(department)) continue;
    const hits = findMatches(entry.keywords, text, 'either');
    const score = hits.reduce((sum, h) => sum + h.weight, 0);
    if (hits.length === 0 || score < entry.minScore || (best && best.score >= score)) continue;
    const matched = hits.map(describeHit);
    best = {
      id: entry.id,
      answer: answerIn(entry, language, dept?.language ?? language),
      matched,
      score,
      reason: `automatic answer "${entry.id}": ${matched.join(', ')}`,
    };
  }
  return best;
}
