import type { RoutingRule, TriageConfig } from './config';
import { describeHit, findMatches, mailText, type MailText, type MatcherHit } from './matchers';
import type { RoutingDecision } from './ticket';

export type { RoutingDecision } from './ticket';

/** Subject words count more than body words: people name the topic in the subject. */
const SUBJECT_WEIGHT = 3;
const BODY_WEIGHT = 1;

/**
 * Places mail sent to the general address by the departments' keywords: each keyword found adds
 * its weight, times 3 in the subject or 1 in the body. The department with the highest score wins; a tie or no match is left to the triage queue, because a guess between two
 * departments is worse than a person's decision.
 */
export function routeByKeywords(cfg: TriageConfig, subject: string, body: string, language?: string): RoutingDecision {
  return weighKeywords(cfg, mailText(subject, body, language));
}

function weighKeywords(cfg: TriageConfig, text: MailText): RoutingDecision {
  const scores: Record<string, number> = {};
  const matches: Record<string, string[]> = {};
  for (const dept of cfg.departments) {
    if (dept.name === cfg.triageQueue) continue;
    const hits = findMatches(dept.keywords, text, 'either');
    const score = hits.reduce((sum, h) => sum + h.weight * (h.where === 'subject' ? SUBJECT_WEIGHT : BODY_WEIGHT), 0);
    if (score > 0) {
      scores[dept.name] = score;
      matches[dept.name] = hits.map(describeHit);
    }
  }
  const ranked = Object.entries(scores).sort((a, b) => b[1] - a[1]);
  if (ranked.length === 0) {
    return {
      department: cfg.triageQueue,
      rule: 'fallback',
      matched: [],
      reason: `no keyword of any department matched; left to the ${cfg.triageQueue} queue`,
      scores,
    };
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
  return {
    department: winner,
    rule: 'keywords',
    matched: matches[winner],
    reason: `keywords ${matches[winner].join(', ')} placed it in ${winner} (score ${score})`,
    scores,
  };
}

/** Who sent the mail and in which language it is, for rules that look at more than the words. */
export interface RoutingContext {
  /** The sender's address. */
  sender?: string;
  /** The mail's language (ISO 639-1), when it could be told. */
  language?: string;
}

/** The sender's domain is `domain` or one of its subdomains. */
function inDomain(sender: string | undefined, domain: string): boolean {
  const host = sender?.split('@')[1]?.toLowerCase();
  return Boolean(host && (host === domain || host.endsWith(`.${domain}`)));
}

/** The conditions shared by routing and priority rules. */
type RuleConditions = Pick<
  RoutingRule,
  'recipient' | 'senderDomain' | 'language' | 'subject' | 'body' | 'text' | 'minScore'
>;

/**
 * Checks one rule: every condition it names must hold; the words of `subject`, `body` and `text`
 * must reach `minScore` together.
 * @returns what matched, as people read it, or undefined when the rule does not hold.
 */
export function matchRule(
  rule: RuleConditions,
  recipient: string,
  text: MailText,
  ctx: RoutingContext,
): string[] | undefined {
  const matched: string[] = [];
  if (rule.recipient?.length) {
    if (!rule.recipient.includes(recipient)) return undefined;
    matched.push(`recipient ${recipient}`);
  }
  if (rule.senderDomain?.length) {
    const domain = rule.senderDomain.find((d) => inDomain(ctx.sender, d));
    if (!domain) return undefined;
    matched.push(`sender domain ${domain}`);
  }
  if (rule.language?.length) {
    if (!text.language || !rule.language.includes(text.language)) return undefined;
    matched.push(`language ${text.language}`);
  }
  const hits: MatcherHit[] = [
    ...findMatches(rule.subject ?? [], text, 'subject'),
    ...findMatches(rule.body ?? [], text, 'body'),
    ...findMatches(rule.text ?? [], text, 'either'),
  ];
  const wantsWords = [rule.subject, rule.body, rule.text].some((list) => (list?.length ?? 0) > 0);
  if (wantsWords) {
    const score = hits.reduce((sum, h) => sum + h.weight, 0);
    if (score < rule.minScore) return undefined;
    matched.push(...hits.map(describeHit));
  }
  return matched;
}

/** The first routing rule that holds, in the order of the config. */
function firstRule(
  cfg: TriageConfig,
  recipient: string,
  text: MailText,
  ctx: RoutingContext,
): RoutingDecision | undefined {
  for (const rule of cfg.routing.rules) {
    const matched = matchRule(rule, recipient, text, ctx);
    if (matched)
      return {
        department: rule.department,
        rule: 'rule',
        ruleName: rule.name,
        matched,
        reason: `rule "${rule.name}" placed it in ${rule.department}: ${matched.join(', ')}`,
      };
  }
  return undefined;
}

/**
 * Routes a new mail: the configured rules first, in order (the first that holds decides), then the
 * receiving address (the envelope recipient, so BCC works), then keywords for the general address;
 * an address nobody configured goes to the triage queue.
 */
export function routeMail(
  cfg: TriageConfig,
  recipient: string,
  subject: string,
  body: string,
  ctx: RoutingContext = {},
): RoutingDecision {
  const address = recipient.toLowerCase();
  const text = mailText(subject, body, ctx.language);
  const byRule = firstRule(cfg, address, text, ctx);
  if (byRule) return byRule;
  const owner = cfg.departments.find((d) => d.addresses.includes(address));
  if (owner)
    return {
      department: owner.name,
      rule: 'address',
      matched: [address],
      reason: `sent to ${address}, an address of ${owner.name}`,
    };
  if (address === cfg.generalAddress) return weighKeywords(cfg, text);
  return {
    department: cfg.triageQueue,
    rule: 'fallback',
    matched: [address],
    reason: `${address} belongs to no department; left to the ${cfg.triageQueue} queue`,
  };
}
