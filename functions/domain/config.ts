// A namespace import lets esbuild drop the parts of zod the schema does not use (all locales, JSON Schema): -360 KiB per bundle.
import * as z from 'zod';
import { IANAZone } from 'luxon';

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
     * Words and phrases that place mail sent to the general address here: `refund`, or
     * `{ phrase: refund, weight: 2 }` for a word that says more about the topic than others.
     */
    keywords: z
      .array(
        z.union(
          [
            z.string().trim().toLowerCase().min(1).transform((phrase) => ({ phrase, weight: 1 })),
            z.object({ phrase: z.string().trim().toLowerCase().min(1), weight: z.number().positive().max(100).default(1) }).strict(),
          ],
          { error: (issue) => `expected a word or phrase, or { phrase, weight }, got ${JSON.stringify(issue.input)}` },
        ),
      )
      .default([]),
    /** Target for the first response, in business hours. */
    firstResponseHours: z.number({ error: 'expected a number of business hours' }).positive({ error: 'expected a positive number of business hours' }),
    businessHours: businessHoursSchema,
    agents: z.array(email).min(1, { error: 'expected at least one agent address' }),
    lead: email,
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
    /** Who is told when an alarm fires: e-mail subscriptions of the stack's alarm topic (each confirms by mail). */
    alerts: z.object({ emails: z.array(email).default([]) }).strict().default({ emails: [] }),
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
