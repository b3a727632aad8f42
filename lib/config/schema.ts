// zod 4's documented import form; it also lets a bundler drop the parts of zod the schema does not use.
import * as z from 'zod';
import type {
  BusinessHours,
  Department,
  DepartmentTimers,
  FaqEntry,
  Matcher,
  PriorityRule,
  RoutingRule,
  TriageConfig,
} from '../../functions/domain/config';
import { type businessHoursSchema, departmentSchema, type timersSchema } from './schema-department';
import { domain, email, scheduleExpression } from './schema-fields';
import {
  faqEntrySchema,
  type keywordSet,
  type priorityRuleSchema,
  type routingRuleSchema,
  routingSchema,
} from './schema-rules';

/**
 * The schema of `triage.config.yaml`: it validates what an operator wrote, fills in defaults and
 * normalises hours and keywords into the {@link TriageConfig} the functions read. Only `lib/` runs it
 * (synth, the local stack, the CLI); the functions receive its output as JSON, so zod, luxon and
 * handlebars stay out of their bundles.
 */

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
    /** Ordered routing rules and priority rules (docs/configuration.md, "Routing rules and priority rules"). */
    routing: routingSchema.default({ rules: [], priority: [] }),
    /** Simple questions answered in the acknowledgement (docs/configuration.md, "Automatic answers"). */
    faq: z.array(faqEntrySchema).default([]),
    /** Who is told when an alarm fires: e-mail subscriptions of the stack's alarm topic (each confirms by mail). */
    alerts: z
      .object({ emails: z.array(email).default([]) })
      .strict()
      .default({ emails: [] }),
    /** The customer's status page and the satisfaction survey (the web function). */
    web: z
      .object({
        /** How long the status link in an acknowledgement stays valid, in days. */
        statusLinkDays: z
          .number({ error: 'expected a number of days' })
          .int({ error: 'expected a whole number of days' })
          .min(1, { error: 'expected at least 1 day' })
          .max(365, { error: 'expected at most 365 days' })
          .default(30),
        /** How long the survey links of a closing mail stay valid, in days. */
        surveyLinkDays: z
          .number({ error: 'expected a number of days' })
          .int({ error: 'expected a whole number of days' })
          .min(1, { error: 'expected at least 1 day' })
          .max(365, { error: 'expected at most 365 days' })
          .default(30),
        /** A custom domain in front of the web function (e.g. https://status.example.com/); links use it instead of the function URL. */
        publicUrl: z
          .url({
            protocol: /^https$/,
            error: (issue) =>
              `expected an https:// URL such as "https://status.example.com/", got ${JSON.stringify(issue.input)}`,
          })
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
        ctx.addIssue({
          code: 'custom',
          path: ['departments', i, 'name'],
          message: `expected a unique name, "${dept.name}" is also departments[${seenName.get(dept.name)}]`,
        });
      }
      seenName.set(dept.name, i);
      if (seenPrefix.has(dept.prefix)) {
        ctx.addIssue({
          code: 'custom',
          path: ['departments', i, 'prefix'],
          message: `expected a unique prefix, "${dept.prefix}" is also used by departments[${seenPrefix.get(dept.prefix)}]`,
        });
      }
      seenPrefix.set(dept.prefix, i);
      dept.addresses.forEach((address, j) => {
        const owner = seenAddress.get(address);
        if (owner) {
          ctx.addIssue({
            code: 'custom',
            path: ['departments', i, 'addresses', j],
            message: `expected an address used once, ${address} is also ${owner}`,
          });
        }
        seenAddress.set(address, `departments[${i}]`);
        if (address === cfg.generalAddress) {
          ctx.addIssue({
            code: 'custom',
            path: ['departments', i, 'addresses', j],
            message: `expected a department address, ${address} is the generalAddress (placed by keywords)`,
          });
        }
        if (!address.endsWith(`@${cfg.mailDomain}`)) {
          ctx.addIssue({
            code: 'custom',
            path: ['departments', i, 'addresses', j],
            message: `expected an address at the mailDomain ${cfg.mailDomain}, got ${address}`,
          });
        }
      });
    });
    const departmentNames = [...seenName.keys()].join(', ');
    cfg.routing.rules.forEach((rule, i) => {
      if (!seenName.has(rule.department))
        ctx.addIssue({
          code: 'custom',
          path: ['routing', 'rules', i, 'department'],
          message: `expected the name of a department (${departmentNames}), got ${JSON.stringify(rule.department)}`,
        });
    });
    const seenFaq = new Set<string>();
    cfg.faq.forEach((entry, i) => {
      if (seenFaq.has(entry.id))
        ctx.addIssue({
          code: 'custom',
          path: ['faq', i, 'id'],
          message: `expected a unique id, "${entry.id}" is used twice`,
        });
      seenFaq.add(entry.id);
      entry.departments?.forEach((name, j) => {
        if (!seenName.has(name))
          ctx.addIssue({
            code: 'custom',
            path: ['faq', i, 'departments', j],
            message: `expected the name of a department (${departmentNames}), got ${JSON.stringify(name)}`,
          });
      });
    });
    if (!seenName.has(cfg.triageQueue)) {
      ctx.addIssue({
        code: 'custom',
        path: ['triageQueue'],
        message: `expected the name of a department (${[...seenName.keys()].join(', ')}), got ${JSON.stringify(cfg.triageQueue)}`,
      });
    }
    if (!cfg.generalAddress.endsWith(`@${cfg.mailDomain}`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['generalAddress'],
        message: `expected an address at the mailDomain ${cfg.mailDomain}, got ${cfg.generalAddress}`,
      });
    }
  })
  .transform((cfg) => ({ ...cfg, replyDomain: cfg.replyDomain ?? `reply.${cfg.mailDomain}` }));

/**
 * True when A and B are the same type. `satisfies z.ZodType<TriageConfig>` would check one direction
 * only (a field the schema adds, or a domain type wider than the schema's, passes), and even mutual
 * assignability lets an optional field on one side only, or a `readonly`, through. This form compares
 * the types as the compiler does, so a drift either way fails the build.
 */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Fails to compile unless its argument is `true`. */
function sameType<T extends true>(): T | undefined {
  return undefined;
}

// The domain writes its types by hand (it must not import zod); these lines prove the schema produces
// exactly them, part by part so that a drift names the part where it is.
sameType<Equals<z.output<typeof businessHoursSchema>, BusinessHours>>();
sameType<Equals<z.output<typeof timersSchema>, DepartmentTimers>>();
sameType<Equals<z.output<typeof keywordSet>, Matcher[]>>();
sameType<Equals<z.output<typeof routingRuleSchema>, RoutingRule>>();
sameType<Equals<z.output<typeof priorityRuleSchema>, PriorityRule>>();
sameType<Equals<z.output<typeof faqEntrySchema>, FaqEntry>>();
sameType<Equals<z.output<typeof departmentSchema>, Department>>();
sameType<Equals<z.output<typeof configSchema>, TriageConfig>>();

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
  return (
    path.reduce<string>(
      (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
      '',
    ) || '(top level)'
  );
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
    if (issue.code === 'unrecognized_keys')
      message = `unexpected field(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    if (issue.code === 'invalid_type' && /received undefined/.test(message))
      message = `missing; ${message.replace(/, received undefined$/, '')}`;
    return `${formatPath(issue.path)}: ${message}`;
  });
  throw new ConfigError(source, problems);
}
