import type { Department, TriageConfig } from './config';

/** Why a mail went where it went; stored with the message and shown by `triage show`. */
export interface RoutingDecision {
  department: string;
  /** `address`: the receiving address belongs to the department; `keywords`: placed from the general address; `fallback`: nothing placed it. */
  rule: 'address' | 'keywords' | 'fallback';
  /** The address, or the keywords that matched (with where they matched). */
  matched: string[];
  /** One sentence a person can read. */
  reason: string;
  /** Keyword score per department, when keywords were weighed. */
  scores?: Record<string, number>;
}

/** Subject words count more than body words: people name the topic in the subject. */
const SUBJECT_WEIGHT = 3;
const BODY_WEIGHT = 1;
/** Only the start of a long body is read: the topic is stated early, quoted history and signatures come late. */
const BODY_CHARS = 4000;

function normalise(text: string): string {
  return text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiled keyword patterns, once per config object. */
interface KeywordPattern {
  keyword: string;
  weight: number;
  pattern: RegExp;
}
const patternCache = new WeakMap<Department, KeywordPattern[]>();
function patternsOf(dept: Department): KeywordPattern[] {
  let patterns = patternCache.get(dept);
  if (!patterns) {
    patterns = dept.keywords.map(({ phrase, weight }) => ({
      keyword: phrase,
      weight,
      // Whole words only ("order" must not match "border"); a phrase's spaces match any whitespace run.
      pattern: new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(normalise(phrase)).replace(/\s+/g, '\\s+')}(?![\\p{L}\\p{N}])`, 'u'),
    }));
    patternCache.set(dept, patterns);
  }
  return patterns;
}

/**
 * Places mail sent to the general address by the departments' keywords: each keyword found adds
 * its weight, times 3 in the subject or 1 in the body. The department with the highest score wins; a tie or no match is left to the triage queue, because a guess between two
 * departments is worse than a person's decision.
 */
export function routeByKeywords(cfg: TriageConfig, subject: string, body: string): RoutingDecision {
  const subjectText = normalise(subject);
  const bodyText = normalise(body.slice(0, BODY_CHARS));
  const scores: Record<string, number> = {};
  const matches: Record<string, string[]> = {};
  for (const dept of cfg.departments) {
    if (dept.name === cfg.triageQueue) continue;
    let score = 0;
    const words: string[] = [];
    for (const { keyword, weight, pattern } of patternsOf(dept)) {
      if (pattern.test(subjectText)) {
        score += SUBJECT_WEIGHT * weight;
        words.push(`${keyword} (subject)`);
      } else if (pattern.test(bodyText)) {
        score += BODY_WEIGHT * weight;
        words.push(`${keyword} (body)`);
      }
    }
    if (score > 0) {
      scores[dept.name] = score;
      matches[dept.name] = words;
    }
  }
  const ranked = Object.entries(scores).sort((a, b) => b[1] - a[1]);
  if (ranked.length === 0) {
    return { department: cfg.triageQueue, rule: 'fallback', matched: [], reason: `no keyword of any department matched; left to the ${cfg.triageQueue} queue`, scores };
  }
  if (ranked.length > 1 && ranked[0][1] === ranked[1][1]) {
    const tied = ranked.filter(([, s]) => s === ranked[0][1]).map(([d]) => d);
    return {
      department: cfg.triageQueue,
      rule: 'fallback',
      matched: tied.flatMap((d) => matches[d]),
      reason: `keywords tie between ${tied.join(' and ')} (score ${ranked[0][1]}); left to the ${cfg.triageQueue} queue`,
      scores,
    };
  }
  const [winner, score] = ranked[0];
  return { department: winner, rule: 'keywords', matched: matches[winner], reason: `keywords ${matches[winner].join(', ')} placed it in ${winner} (score ${score})`, scores };
}

/**
 * Routes by the receiving address first (the envelope recipient, so BCC works), then by keywords
 * for the general address; an address nobody configured goes to the triage queue.
 */
export function routeMail(cfg: TriageConfig, recipient: string, subject: string, body: string): RoutingDecision {
  const address = recipient.toLowerCase();
  const owner = cfg.departments.find((d) => d.addresses.includes(address));
  if (owner) return { department: owner.name, rule: 'address', matched: [address], reason: `sent to ${address}, an address of ${owner.name}` };
  if (address === cfg.generalAddress) return routeByKeywords(cfg, subject, body);
  return { department: cfg.triageQueue, rule: 'fallback', matched: [address], reason: `${address} belongs to no department; left to the ${cfg.triageQueue} queue` };
}
