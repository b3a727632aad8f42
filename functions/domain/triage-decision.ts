import type { TriageConfig } from './config';
import { matchFaq, type FaqMatch } from './faq';
import { chooseLanguage, detectMailLanguage, type LanguageDecision } from './language';
import { mailText } from './matchers';
import { decidePriority, type PriorityDecision } from './priority';
import { routeMail, type RoutingDecision } from './route';
import type { Ticket } from './ticket';

/** Everything decided about a new customer mail before a ticket exists. */
export interface NewMailDecision {
  /** The routing decision as stored on the message: department, rule, matched words, and priority, language and FAQ with their reasons. */
  routing: RoutingDecision;
  priority: PriorityDecision;
  language: LanguageDecision;
  /** The FAQ entry whose answer goes into the acknowledgement, if any. */
  faq?: FaqMatch;
}

export interface NewMailFacts {
  /** The receiving address (the envelope recipient). */
  recipient: string;
  sender?: string;
  subject: string;
  body: string;
  /** Languages there are templates for. */
  supportedLanguages: readonly string[];
  /** Machine mail gets no automatic answer (the gate already suppresses its acknowledgement). */
  machine?: boolean;
}

/**
 * Decides where a new mail goes and how it is answered: its language (tinyld), the department
 * (rules, address, keywords), the priority (priority rules) and an automatic answer from the FAQ.
 * The inbound function and the dry run `triage route` both call this, so the dry run shows exactly
 * what would happen.
 */
export function decideNewMail(cfg: TriageConfig, facts: NewMailFacts): NewMailDecision {
  const detected = detectMailLanguage(facts.subject, facts.body, facts.supportedLanguages).language;
  const ctx = { sender: facts.sender, language: detected };
  const routing = routeMail(cfg, facts.recipient, facts.subject, facts.body, ctx);
  const text = mailText(facts.subject, facts.body, detected);
  const priority = decidePriority(cfg, facts.recipient, text, ctx, routing);
  const dept = cfg.departments.find((d) => d.name === routing.department)!;
  const language = chooseLanguage(detected, facts.supportedLanguages, dept.language);
  const faq = facts.machine ? undefined : matchFaq(cfg, text, dept.name, language.language);
  const reasons = [
    routing.reason,
    priority.reason,
    language.reason,
    faq ? `${faq.reason}; the acknowledgement carries its answer, an agent should confirm it` : undefined,
  ].filter((r): r is string => Boolean(r));
  return {
    routing: {
      ...routing,
      priority: priority.priority,
      priorityRules: priority.rules,
      language: language.language,
      languageReason: language.reason,
      faq: faq?.id,
      reasons,
    },
    priority,
    language,
    faq,
  };
}

/** What a new ticket takes from the decision: priority, language, and the review flag of an automatic answer. */
export function ticketFieldsOf(
  decided: NewMailDecision,
): Pick<Ticket, 'priority' | 'language' | 'autoAnswered' | 'needsReview'> {
  return {
    priority: decided.priority.priority,
    language: decided.language.language,
    autoAnswered: decided.faq?.id,
    needsReview: decided.faq ? true : undefined,
  };
}
