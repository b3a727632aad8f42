// A namespace import lets esbuild drop the parts of zod the schema does not use (all locales, JSON Schema): -360 KiB per bundle.
import * as z from 'zod';
import { IANAZone } from 'luxon';
import Handlebars from 'handlebars';

/**
 * The deployment description an operator edits (`triage.config.yaml`), validated.
 * The same parsed object drives `cdk synth`, the local stack and the functions at run time,
 * so a field means one thing everywhere.
 */

import { WEEKDAYS, type Weekday } from './weekdays';
export type { Weekday };

const email = z
  .string({ error: 'expected an e-mail address' })
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: (issue) => `expected an e-mail address, got ${JSON.stringify(issue.input)}` }));

const domain = z
  .string({ error: 'expected a domain name' })
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
    error: (issue) => `expected a domain name such as example.com, got ${JSON.stringify(issue.input)}`,
  });

/** "09:00-17:30" -> minutes after midnight. */
const hoursRange = z
  .string({ error: 'expected opening hours such as "09:00-17:00"' })
  .transform((value, ctx) => {
    const match = /^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-4]):([0-5]\d)$/.exec(value.trim());
    if (!match) {
      ctx.addIssue({ code: 'custom', message: `expected opening hours such as "09:00-17:00", got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    const open = Number(match[1]) * 60 + Number(match[2]);
    const close = Number(match[3]) * 60 + Number(match[4]);
    if (close <= open || close > 24 * 60) {
      ctx.addIssue({ code: 'custom', message: `expected the closing time after the opening time, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return { open, close };
  });

const timeZone = z.string({ error: 'expected an IANA time zone such as "Europe/Berlin"' }).refine((tz) => IANAZone.isValidZone(tz), {
  error: (issue) => `expected an IANA time zone such as "Europe/Berlin", got ${JSON.stringify(issue.input)}`,
});

const isoDate = z
  .string({ error: 'expected a date as YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: (issue) => `expected a date as YYYY-MM-DD, got ${JSON.stringify(issue.input)}` });

const businessHoursSchema = z
  .object({
    timeZone,
    /** Opening hours per weekday; a day left out is closed. A day may list several ranges. */
    weekly: z
      .object(Object.fromEntries(WEEKDAYS.map((d) => [d, z.union([hoursRange, z.array(hoursRange)], { error: (issue) => `expected opening hours such as "09:00-17:00" or a list of them, got ${JSON.stringify(issue.input)}` }).optional()])) as Record<
        Weekday,
        z.ZodOptional<z.ZodUnion<[typeof hoursRange, z.ZodArray<typeof hoursRange>]>>
      >)
      .strict()
      .transform((week) => {
        const out = {} as Record<Weekday, { open: number; close: number }[]>;
        for (const day of WEEKDAYS) {
          const v = week[day];
          out[day] = v === undefined ? [] : Array.isArray(v) ? v : [v];
        }
        return out;
      })
      .refine((week) => WEEKDAYS.some((d) => week[d].length > 0), { error: 'expected at least one open day' }),
    /** Dates (in the department's zone) on which the department is closed. */
    holidays: z.array(isoDate).default([]),
  })
  .strict();

/** Defaults of a department's timers; see {@link timersSchema}. */
const TIMER_DEFAULTS = { warnAtShare: 0.75, followUpAfterBusinessDays: 3, autoCloseAfterBusinessDays: 4, survey: true };

/** The timed steps of a ticket, per department. */
const timersSchema = z
  .object({
    /** Warn the assignee (or the agents) when this share of the first-response target has passed; 0 turns the warning off. */
    warnAtShare: z.number({ error: 'expected a share between 0 and 1, e.g. 0.75' }).min(0).lt(1, { error: 'expected a share below 1 (the target itself escalates)' }).default(TIMER_DEFAULTS.warnAtShare),
    /** Business days an answered ticket waits on the customer before the follow-up asks whether it is solved; 0 sends none. */
    followUpAfterBusinessDays: z.number({ error: 'expected a whole number of business days' }).int().min(0).max(60).default(TIMER_DEFAULTS.followUpAfterBusinessDays),
    /** Quiet business days after the follow-up (or the answer, without one) before the ticket closes itself with a short note; 0 never auto-closes. */
    autoCloseAfterBusinessDays: z.number({ error: 'expected a whole number of business days' }).int().min(0).max(90).default(TIMER_DEFAULTS.autoCloseAfterBusinessDays),
    /** On close, ask the customer one question: did we solve it? */
    survey: z.boolean().default(TIMER_DEFAULTS.survey),
  })
  .strict();
// ---- Routing rules, priority rules, automatic answers (FAQ) and languages ----

/** An ISO 639-1 language code such as "de". */
const languageCode = z
  .string({ error: 'expected a two-letter language code (ISO 639-1) such as "de"' })
  .trim()
  .toLowerCase()
  .regex(/^[a-z]{2}$/, { error: (issue) => `expected a two-letter language code (ISO 639-1) such as "de", got ${JSON.stringify(issue.input)}` });

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
  .object({ regex: z.string().min(1, { error: 'expected a regular expression' }), flags: z.string().regex(REGEX_FLAGS, { error: 'expected regular expression flags out of i, m, s, u (each once)' }).default('i'), weight: matcherWeight })
  .strict()
  .superRefine((m, ctx) => {
    if (!REGEX_FLAGS.test(m.flags)) return; // reported on its own field
    try {
      new RegExp(m.regex, m.flags);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['regex'], message: `expected a valid regular expression, got ${JSON.stringify(m.regex)}: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}` });
    }
  })
  ;

const phrase = z.string().trim().toLowerCase().min(1, { error: 'expected a word or phrase' });

/** A word or phrase (whole words, case and accents ignored), `{ phrase, weight }`, or `{ regex, flags?, weight? }`. */
// No transform inside the union's members: zod then reports a member's own issue (a broken regex, with its path) instead of only the union's message.
const matcher = z
  .union([phrase, z.object({ phrase, weight: matcherWeight }).strict(), regexMatcher], {
    error: (issue) => `expected a word or phrase, { phrase, weight } or { regex, flags, weight }, got ${JSON.stringify(issue.input)}`,
  })
  .transform((m) => (typeof m === 'string' ? { phrase: m, weight: 1 } : m));
/** A phrase (`{ phrase, weight }`) or a regular expression (`{ regex, flags, weight }`), with the language of its list. */
export type Matcher = { weight: number; phrase?: string; regex?: string; flags?: string; language?: string };

/**
 * A list of matchers for every language, or lists per language (`{ any: [invoice], de: [rechnung], es: [factura] }`):
 * a language's list counts only for mail in that language (or mail whose language could not be told);
 * `any` counts for all (words such as "invoice" or "login" that people use in every language).
 * Both forms come out as one list whose entries carry their `language` (none for `any`).
 */
const keywordSet = z
  .union(
    [
      z.array(matcher),
      z.record(z.union([z.literal('any'), languageCode], { error: (issue) => `expected "any" or a two-letter language code such as "de", got ${JSON.stringify(issue.input)}` }), z.array(matcher)),
    ],
    { error: (issue) => `expected a list of words, phrases or { regex }, or lists per language ({ any: [...], de: [...] }), got ${JSON.stringify(issue.input)}` },
  )
  .transform((set): Matcher[] => (Array.isArray(set) ? set : Object.entries(set).flatMap(([language, list]) => list.map((m) => (language === 'any' ? m : { ...m, language })))));

const priorityLevel = z.enum(['low', 'normal', 'high', 'urgent'], { error: (issue) => `expected low, normal, high or urgent, got ${JSON.stringify(issue.input)}` });

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
const hasCondition = (rule: Partial<Record<(typeof CONDITION_KEYS)[number], unknown[]>>) => CONDITION_KEYS.some((k) => (rule[k]?.length ?? 0) > 0);
const ruleName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,60}$/, { error: (issue) => `expected a short lower-case rule name such as "vip-refunds", got ${JSON.stringify(issue.input)}` });
const noCondition = { error: `expected at least one condition: ${CONDITION_KEYS.join(', ')}` };

/** An ordered routing rule: the first rule whose conditions hold places the mail (before addresses and keywords). */
const routingRuleSchema = z
  .object({ name: ruleName, department: z.string(), priority: priorityLevel.optional(), ...ruleConditions })
  .strict()
  .refine(hasCondition, noCondition);
/** A priority rule: every rule that holds is applied, the highest priority wins (urgent words, VIP sender domains). */
const priorityRuleSchema = z
  .object({ name: ruleName, priority: priorityLevel, ...ruleConditions })
  .strict()
  .refine(hasCondition, noCondition);

const routingSchema = z.object({ rules: z.array(routingRuleSchema).default([]), priority: z.array(priorityRuleSchema).default([]) }).strict();
export type RoutingRule = z.output<typeof routingRuleSchema>;
export type PriorityRule = z.output<typeof priorityRuleSchema>;

/** Handlebars text checked for syntax at load (`{{company}}`, `{{department}}`, `{{ticketId}}` are filled in). */
const answerText = z
  .string()
  .min(1, { error: 'expected the answer text' })
  .superRefine((text, ctx) => {
    try {
      Handlebars.parse(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `expected handlebars text, got a syntax error: ${(err as Error).message.split('\n')[0]}` });
    }
  });

/** A simple question answered in the acknowledgement: the ticket stays open for an agent to confirm. */
const faqEntrySchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, { error: (issue) => `expected a short lower-case id such as "opening-hours", got ${JSON.stringify(issue.input)}` }),
    /** What the question looks like (keyword set: a list, or one list per language). */
    keywords: keywordSet.refine((set) => set.length > 0, { error: 'expected at least one keyword' }),
    /** The weights of the keywords that matched must add up to this. */
    minScore: z.number().positive().default(1),
    /** The answer (handlebars text), or one per language: `{ en: ..., de: ... }`. */
    answer: z.union([answerText, z.record(languageCode, answerText)], { error: 'expected the answer text, or one text per language ({ en: ..., de: ... })' }),
    /** Only for mail routed to these departments. @default every department */
    departments: z.array(z.string()).optional(),
  })
  .strict();
export type FaqEntry = z.output<typeof faqEntrySchema>;

const departmentSchema = z
  .object({
    /** Short, stable id used in commands and keys: lower-case letters, digits, dashes. */
    name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, {
      error: (issue) => `expected a short lower-case name such as "billing", got ${JSON.stringify(issue.input)}`,
    }),
    /** What customers read, e.g. "Technical support". */
    displayName: z.string().min(1).optional(),
    /** Ticket id prefix: BIL -> BIL-1042. */
    prefix: z.string().regex(/^[A-Z]{2,5}$/, {
      error: (issue) => `expected 2 to 5 upper-case letters such as "BIL", got ${JSON.stringify(issue.input)}`,
    }),
    /** Addresses that deliver straight to this department. */
    addresses: z.array(email).default([]),
    /**
     * Words, phrases and regular expressions that place mail sent to the general address here:
     * `refund`, `{ phrase: refund, weight: 2 }`, `{ regex: "inv-\\d+" }`, or one list per language
     * `{ en: [refund], de: [rückerstattung] }`.
     */
    keywords: keywordSet.default([]),
    /** Target for the first response, in business hours. */
    firstResponseHours: z.number({ error: 'expected a number of business hours' }).positive({ error: 'expected a positive number of business hours' }),
    businessHours: businessHoursSchema,
    agents: z.array(email).min(1, { error: 'expected at least one agent address' }),
    lead: email,
    /**
     * Added to the first-response target in the promise the ack makes: the team works to the target
     * (warnings and escalation run on it) and the customer is promised a time the team can beat.
     */
    promiseMarginHours: z.number({ error: 'expected a number of business hours (0 or more)' }).min(0, { error: 'expected 0 or more business hours' }).default(1),
    timers: timersSchema.default(TIMER_DEFAULTS),
    /** How customers reach the department other than by mail; offered in the follow-up. */
    contact: z
      .object({
        /** Phone number customers may call, or ask to be called back from. */
        phone: z.string().trim().min(3).optional(),
        /** Live chat link. */
        chatUrl: z.url({ protocol: /^https?$/, error: (issue) => `expected an http(s) link, got ${JSON.stringify(issue.input)}` }).optional(),
      })
      .strict()
      .default({}),
    /**
     * A short block about complementary products or offers in the follow-up, shown only to customers
     * who opted in: listed addresses, or `@domain` for everyone at a domain.
     */
    offers: z
      .object({
        text: z.string().trim().min(1),
        optedIn: z.array(z.string().trim().toLowerCase().regex(/^([^@\s]+@|@)[^@\s]+\.[^@\s]+$/, { error: (issue) => `expected an address or @domain, got ${JSON.stringify(issue.input)}` })).default([]),
      })
      .strict()
      .optional(),
    /** Language of this department's mail when the customer's cannot be told (ISO 639-1; templates/<language>/ must exist). */
    language: languageCode.default('en'),
    /** A ticket answered automatically from the FAQ is closed when the customer replies that the answer solved it. */
    resolveOnFaqConfirmation: z.boolean().default(false),
    /** What happens to mail SES marks as spam or virus: quarantined (stored, no ack, no forward, releasable) or handled as usual. */
    quarantine: z.object({ spam: z.boolean().default(true), virus: z.boolean().default(true) }).strict().default({ spam: true, virus: true }),
  })
  .strict();

const windowLimit = z
  .object({
    /** Length of the window in minutes. */
    minutes: z.number().int().positive(),
    /** Most automatic replies inside one window. */
    max: z.number().int().min(0),
  })
  .strict();

/**
 * Caps on automatic replies. Per sender in tiered windows (a responder that ignores Auto-Submitted
 * gets at most a few answers, then silence), and for the whole deployment (a circuit breaker when
 * something floods us). Mail over a limit is still stored and forwarded to agents.
 */
const autoReplyLimitsSchema = z
  .object({
    perSender: z.array(windowLimit).default([
      { minutes: 10, max: 3 },
      { minutes: 60, max: 5 },
      { minutes: 1440, max: 10 },
    ]),
    global: windowLimit.default({ minutes: 60, max: 2000 }),
  })
  .strict();

/** An EventBridge schedule expression: `cron(<6 fields>)` or `rate(<n> <unit>)`. */
const scheduleExpression = z
  .string({ error: 'expected an EventBridge schedule such as "cron(0 7 ? * MON *)"' })
  .trim()
  .regex(/^(cron\(\s*\S+(\s+\S+){5}\s*\)|rate\(\s*[1-9]\d*\s+(minute|minutes|hour|hours|day|days)\s*\))$/, {
    error: (issue) => `expected an EventBridge schedule such as "cron(0 7 ? * MON *)" (six fields, UTC) or "rate(7 days)", got ${JSON.stringify(issue.input)}`,
  });

/** Monday 07:00 UTC. */
export const DEFAULT_WEEKLY_REPORT_SCHEDULE = 'cron(0 7 ? * MON *)';

/**
 * Reports (owned by the reports feature). `weekly.to`: the managers who get the weekly report by
 * mail; empty, no schedule is created (`triage report --week` still works). `weekly.schedule`: when,
 * in UTC.
 */
const reportsSchema = z
  .object({
    weekly: z
      .object({ to: z.array(email).default([]), schedule: scheduleExpression.default(DEFAULT_WEEKLY_REPORT_SCHEDULE) })
      .strict()
      .default({ to: [], schedule: DEFAULT_WEEKLY_REPORT_SCHEDULE }),
  })
  .strict();

export const configSchema = z
  .object({
    /** The domain customers write to (and that SES sends from). */
    mailDomain: domain,
    /** Domain of the per-ticket reply addresses; its MX must point at SES too. */
    replyDomain: domain.optional(),
    /** The general address: its mail is placed by keywords. */
    generalAddress: email,
    /** The department that receives what no rule places. */
    triageQueue: z.string(),
    /** Sender name shown on automatic mail, e.g. "Example Corp". */
    companyName: z.string().min(1).default('Customer service'),
    departments: z.array(departmentSchema).min(1, { error: 'expected at least one department' }),
    autoReplyLimits: autoReplyLimitsSchema.default({
      perSender: [
        { minutes: 10, max: 3 },
        { minutes: 60, max: 5 },
        { minutes: 1440, max: 10 },
      ],
      global: { minutes: 60, max: 2000 },
    }),
    /** A customer who writes on a closed ticket within this many days reopens it; later mail opens a new, linked ticket. */
    reopenWithinDays: z.number().int().min(0).default(14),
    /** Agents may answer tickets of every department, not only their own. */
    agentsAnswerAnyDepartment: z.boolean().default(false),
    /**
     * Attachments forwarded to agents with the mail, in MB in all; larger ones are kept in S3 and
     * linked instead (SES sends raw mail up to 10 MB, and base64 adds a third).
     */
    forwardAttachmentsUpToMb: z.number().positive().max(7).default(7),
    /** How long the download links of attachments too large to forward stay valid, in days (at most 7). */
    attachmentLinkDays: z.number().positive().max(7).default(7),
    /** Raw mail retention in the S3 bucket, in days (0 keeps mail for ever). */
    rawMailRetentionDays: z.number().int().min(0).default(365),
    /** Ordered routing rules and priority rules (README: "Routing rules"). */
    routing: routingSchema.default({ rules: [], priority: [] }),
    /** Simple questions answered in the acknowledgement (README: "Automatic answers"). */
    faq: z.array(faqEntrySchema).default([]),
    /** Who is told when an alarm fires: e-mail subscriptions of the stack's alarm topic (each confirms by mail). */
    alerts: z.object({ emails: z.array(email).default([]) }).strict().default({ emails: [] }),
    /** The customer's status page and the satisfaction survey (the web function). */
    web: z
      .object({
        /** How long the status link in an acknowledgement stays valid, in days. */
        statusLinkDays: z.number({ error: 'expected a number of days' }).int({ error: 'expected a whole number of days' }).min(1, { error: 'expected at least 1 day' }).max(365, { error: 'expected at most 365 days' }).default(30),
        /** How long the survey links of a closing mail stay valid, in days. */
        surveyLinkDays: z.number({ error: 'expected a number of days' }).int({ error: 'expected a whole number of days' }).min(1, { error: 'expected at least 1 day' }).max(365, { error: 'expected at most 365 days' }).default(30),
        /** A custom domain in front of the web function (e.g. https://status.example.com/); links use it instead of the function URL. */
        publicUrl: z
          .url({ protocol: /^https$/, error: (issue) => `expected an https:// URL such as "https://status.example.com/", got ${JSON.stringify(issue.input)}` })
          .optional(),
      })
      .strict()
      .default({ statusLinkDays: 30, surveyLinkDays: 30 }),
    /** The weekly report to the managers (see `reportsSchema`). */
    reports: reportsSchema.default({ weekly: { to: [], schedule: DEFAULT_WEEKLY_REPORT_SCHEDULE } }),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seenPrefix = new Map<string, number>();
    const seenName = new Map<string, number>();
    const seenAddress = new Map<string, string>();
    cfg.departments.forEach((dept, i) => {
      if (seenName.has(dept.name)) {
        ctx.addIssue({ code: 'custom', path: ['departments', i, 'name'], message: `expected a unique name, "${dept.name}" is also departments[${seenName.get(dept.name)}]` });
      }
      seenName.set(dept.name, i);
      if (seenPrefix.has(dept.prefix)) {
        ctx.addIssue({ code: 'custom', path: ['departments', i, 'prefix'], message: `expected a unique prefix, "${dept.prefix}" is also used by departments[${seenPrefix.get(dept.prefix)}]` });
      }
      seenPrefix.set(dept.prefix, i);
      dept.addresses.forEach((address, j) => {
        const owner = seenAddress.get(address);
        if (owner) {
          ctx.addIssue({ code: 'custom', path: ['departments', i, 'addresses', j], message: `expected an address used once, ${address} is also ${owner}` });
        }
        seenAddress.set(address, `departments[${i}]`);
        if (address === cfg.generalAddress) {
          ctx.addIssue({ code: 'custom', path: ['departments', i, 'addresses', j], message: `expected a department address, ${address} is the generalAddress (placed by keywords)` });
        }
        if (!address.endsWith(`@${cfg.mailDomain}`)) {
          ctx.addIssue({ code: 'custom', path: ['departments', i, 'addresses', j], message: `expected an address at the mailDomain ${cfg.mailDomain}, got ${address}` });
        }
      });
    });
    const departmentNames = [...seenName.keys()].join(', ');
    cfg.routing.rules.forEach((rule, i) => {
      if (!seenName.has(rule.department)) ctx.addIssue({ code: 'custom', path: ['routing', 'rules', i, 'department'], message: `expected the name of a department (${departmentNames}), got ${JSON.stringify(rule.department)}` });
    });
    const seenFaq = new Set<string>();
    cfg.faq.forEach((entry, i) => {
      if (seenFaq.has(entry.id)) ctx.addIssue({ code: 'custom', path: ['faq', i, 'id'], message: `expected a unique id, "${entry.id}" is used twice` });
      seenFaq.add(entry.id);
      entry.departments?.forEach((name, j) => {
        if (!seenName.has(name)) ctx.addIssue({ code: 'custom', path: ['faq', i, 'departments', j], message: `expected the name of a department (${departmentNames}), got ${JSON.stringify(name)}` });
      });
    });
    if (!seenName.has(cfg.triageQueue)) {
      ctx.addIssue({ code: 'custom', path: ['triageQueue'], message: `expected the name of a department (${[...seenName.keys()].join(', ')}), got ${JSON.stringify(cfg.triageQueue)}` });
    }
    if (!cfg.generalAddress.endsWith(`@${cfg.mailDomain}`)) {
      ctx.addIssue({ code: 'custom', path: ['generalAddress'], message: `expected an address at the mailDomain ${cfg.mailDomain}, got ${cfg.generalAddress}` });
    }
  })
  .transform((cfg) => ({ ...cfg, replyDomain: cfg.replyDomain ?? `reply.${cfg.mailDomain}` }));

/** A validated deployment description. */
export type TriageConfig = z.output<typeof configSchema>;
export type Department = TriageConfig['departments'][number];
export type BusinessHours = Department['businessHours'];
export type DepartmentTimers = Department['timers'];

/** Thrown when a config does not validate; `problems` lists every bad field as `path: what was expected`. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: invalid config\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Formats a zod path as `departments[1].prefix`. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '') || '(top level)';
}

/**
 * Validates an already-parsed config object.
 * @throws ConfigError naming each bad field and what was expected.
 */
export function parseConfig(raw: unknown, source = 'config'): TriageConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `unexpected field(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    if (issue.code === 'invalid_type' && /received undefined/.test(message)) message = `missing; ${message.replace(/, received undefined$/, '')}`;
    return `${formatPath(issue.path)}: ${message}`;
  });
  throw new ConfigError(source, problems);
}

/** Finds the department by name. */
export function departmentByName(cfg: TriageConfig, name: string): Department | undefined {
  return cfg.departments.find((d) => d.name === name);
}

export { WEEKDAYS };
