import type { TriageConfig } from './config';
import type { MailText } from './matchers';
import { matchRule, type RoutingContext, type RoutingDecision } from './route';
import type { TicketPriority } from './ticket';

const RANK: Record<TicketPriority, number> = { low: 0, normal: 1, high: 2, urgent: 3 };

/** The priority of a new ticket and the rules that gave it. */
export interface PriorityDecision {
  priority: TicketPriority;
  rules: { name: string; priority: TicketPriority; matched: string[] }[];
  reason: string;
}

/**
 * Applies every priority rule that holds (urgent words, VIP sender domains ...) and the priority of
 * the routing rule that placed the mail; the highest wins. Unlike routing rules, priority rules are
 * not ordered: a VIP's urgent mail is urgent whichever rule is listed first. No rule: `normal`.
 */
export function decidePriority(
  cfg: TriageConfig,
  recipient: string,
  text: MailText,
  ctx: RoutingContext,
  routing: RoutingDecision,
): PriorityDecision {
  const rules: PriorityDecision['rules'] = [];
  const placing = routing.ruleName ? cfg.routing.rules.find((r) => r.name === routing.ruleName) : undefined;
  if (placing?.priority) rules.push({ name: placing.name, priority: placing.priority, matched: routing.matched });
  for (const rule of cfg.routing.priority) {
    const matched = matchRule(rule, recipient.toLowerCase(), text, ctx);
    if (matched) rules.push({ name: rule.name, priority: rule.priority, matched });
  }
  if (rules.length === 0) return { priority: 'normal', rules, reason: 'priority normal: no priority rule matched' };
  const priority = rules.reduce<TicketPriority>(
    (best, r) => (RANK[r.priority] > RANK[best] ? r.priority : best),
    rules[0].priority,
  );
  const why = rules.map((r) => `rule "${r.name}" (${r.priority}: ${r.matched.join(', ')})`).join('; ');
  return { priority, rules, reason: `priority ${priority}: ${why}` };
}
