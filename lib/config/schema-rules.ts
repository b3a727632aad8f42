import * as z from 'zod';
import Handlebars from 'handlebars';
import type { Matcher } from '../../functions/domain/config';
import { domain, email, languageCode, priorityLevel } from './schema-fields';

/** Routing rules, priority rules and automatic answers (FAQ) of the config schema (`lib/config/schema.ts`). */

const matcherWeight = z
  .number({ error: 'expected a weight: a number above 0, at most 100' })
  .positive({ error: 'expected a weight above 0' })
  .max(100, { error: 'expected a weight of at most 100' })
  .default(1);

/**
 * A regular expression as the operator wrote it, compiled here so that a broken one fails the
 * config load with its path instead of failing on the first mail. Matched against the original
 * text (not case- or accent-folded); flags default to `i`.
 */
/** `i`, `m`, `s`, `u`, each at most once (`g` and `y` make `test` stateful). */
const REGEX_FLAGS = /^(?!.*(.).*\1)[imsu]*$/;
const regexMatcher = z
  .object({
    regex: z.string().min(1, { error: 'expected a regular expression' }),
    flags: z
      .string()
      .regex(REGEX_FLAGS, { error: 'expected regular expression flags out of i, m, s, u (each once)' })
      .default('i'),
    weight: matcherWeight,
  })
  .strict()
  .superRefine((m, ctx) => {
    if (!REGEX_FLAGS.test(m.flags)) return; // reported on its own field
    try {
      new RegExp(m.regex, m.flags);
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        path: ['regex'],
        message: `expected a valid regular expression, got ${JSON.stringify(m.regex)}: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`,
      });
    }
  });

const phrase = z.string().trim().toLowerCase().min(1, { error: 'expected a word or phrase' });

/** A word or phrase (whole words, case and accents ignored), `{ phrase, weight }`, or `{ regex, flags?, weight? }`. */
// No transform inside the union's members: zod then reports a member's own issue (a broken regex, with its path) instead of only the union's message.
const matcher = z
  .union([phrase, z.object({ phrase, weight: matcherWeight }).strict(), regexMatcher], {
    error: (issue) =>
      `expected a word or phrase, { phrase, weight } or { regex, flags, weight }, got ${JSON.stringify(issue.input)}`,
  })
  .transform((m) => (typeof m === 'string' ? { phrase: m, weight: 1 } : m));

/**
 * A list of matchers for every language, or lists per language (`{ any: [invoice], de: [rechnung], es: [factura] }`):
 * a language's list counts only for mail in that language (or mail whose language could not be told);
 * `any` counts for all (words such as "invoice" or "login" that people use in every language).
 * Both forms come out as one list whose entries carry their `language` (none for `any`).
 */
export const keywordSet = z
  .union(
    [
      z.array(matcher),
      z.record(
        z.union([z.literal('any'), languageCode], {
          error: (issue) =>
            `expected "any" or a two-letter language code such as "de", got ${JSON.stringify(issue.input)}`,
        }),
        z.array(matcher),
      ),
    ],
    {
      error: (issue) =>
        `expected a list of words, phrases or { regex }, or lists per language ({ any: [...], de: [...] }), got ${JSON.stringify(issue.input)}`,
    },
  )
  .transform((set): Matcher[] =>
    Array.isArray(set)
      ? set
      : Object.entries(set).flatMap(([language, list]) =>
          list.map((m) => (language === 'any' ? m : { ...m, language })),
        ),
  );

/** What a routing or priority rule looks at. Every condition given must hold (and); inside one, any entry may match (or). */
const ruleConditions = {
  /** The receiving address (the envelope recipient) is one of these. */
  recipient: z.array(email).optional(),
  /** The sender's domain is one of these, or a subdomain of one. */
  senderDomain: z.array(domain).optional(),
  /** The mail is in one of these languages (as detected). */
  language: z.array(languageCode).optional(),
  /** Words, phrases or regular expressions in the subject. */
  subject: z.array(matcher).optional(),
  /** ... in the body (its first 4,000 characters). */
  body: z.array(matcher).optional(),
  /** ... in the subject or the body. */
  text: z.array(matcher).optional(),
  /** The weights of the subject/body/text entries that matched must add up to this. */
  minScore: z.number().positive().default(1),
};
const CONDITION_KEYS = ['recipient', 'senderDomain', 'language', 'subject', 'body', 'text'] as const;
const hasCondition = (rule: Partial<Record<(typeof CONDITION_KEYS)[number], unknown[]>>) =>
  CONDITION_KEYS.some((k) => (rule[k]?.length ?? 0) > 0);
const ruleName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,60}$/, {
  error: (issue) => `expected a short lower-case rule name such as "vip-refunds", got ${JSON.stringify(issue.input)}`,
});
const noCondition = { error: `expected at least one condition: ${CONDITION_KEYS.join(', ')}` };

/** An ordered routing rule: the first rule whose conditions hold places the mail (before addresses and keywords). */
export const routingRuleSchema = z
  .object({ name: ruleName, department: z.string(), priority: priorityLevel.optional(), ...ruleConditions })
  .strict()
  .refine(hasCondition, noCondition);
/** A priority rule: every rule that holds is applied, the highest priority wins (urgent words, VIP sender domains). */
export const priorityRuleSchema = z
  .object({ name: ruleName, priority: priorityLevel, ...ruleConditions })
  .strict()
  .refine(hasCondition, noCondition);

export const routingSchema = z
  .object({ rules: z.array(routingRuleSchema).default([]), priority: z.array(priorityRuleSchema).default([]) })
  .strict();

/** Handlebars text checked for syntax at load (`{{company}}`, `{{department}}`, `{{ticketId}}` are filled in). */
const answerText = z
  .string()
  .min(1, { error: 'expected the answer text' })
  .superRefine((text, ctx) => {
    try {
      Handlebars.parse(text);
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `expected handlebars text, got a syntax error: ${(err as Error).message.split('\n')[0]}`,
      });
    }
  });

/** A simple question answered in the acknowledgement: the ticket stays open for an agent to confirm. */
export const faqEntrySchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, {
      error: (issue) => `expected a short lower-case id such as "opening-hours", got ${JSON.stringify(issue.input)}`,
    }),
    /** What the question looks like (keyword set: a list, or one list per language). */
    keywords: keywordSet.refine((set) => set.length > 0, { error: 'expected at least one keyword' }),
    /** The weights of the keywords that matched must add up to this. */
    minScore: z.number().positive().default(1),
    /** The answer (handlebars text), or one per language: `{ en: ..., de: ... }`. */
    answer: z.union([answerText, z.record(languageCode, answerText)], {
      error: 'expected the answer text, or one text per language ({ en: ..., de: ... })',
    }),
    /** Only for mail routed to these departments. @default every department */
    departments: z.array(z.string()).optional(),
  })
  .strict();
