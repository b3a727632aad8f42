import * as z from 'zod';
import { WEEKDAYS, type Weekday } from '../../functions/domain/weekdays';
import { email, hoursRange, isoDate, languageCode, timeZone } from './schema-fields';
import { keywordSet } from './schema-rules';

/** A department of the config schema (`lib/config/schema.ts`): its hours, timers and contact ways. */

export const businessHoursSchema = z
  .object({
    timeZone,
    /** Opening hours per weekday; a day left out is closed. A day may list several ranges. */
    weekly: z
      .object(
        Object.fromEntries(
          WEEKDAYS.map((d) => [
            d,
            z
              .union([hoursRange, z.array(hoursRange)], {
                error: (issue) =>
                  `expected opening hours such as "09:00-17:00" or a list of them, got ${JSON.stringify(issue.input)}`,
              })
              .optional(),
          ]),
        ) as Record<Weekday, z.ZodOptional<z.ZodUnion<[typeof hoursRange, z.ZodArray<typeof hoursRange>]>>>,
      )
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
export const timersSchema = z
  .object({
    /** Warn the assignee (or the agents) when this share of the first-response target has passed; 0 turns the warning off. */
    warnAtShare: z
      .number({ error: 'expected a share between 0 and 1, e.g. 0.75' })
      .min(0)
      .lt(1, { error: 'expected a share below 1 (the target itself escalates)' })
      .default(TIMER_DEFAULTS.warnAtShare),
    /** Business days an answered ticket waits on the customer before the follow-up asks whether it is solved; 0 sends none. */
    followUpAfterBusinessDays: z
      .number({ error: 'expected a whole number of business days' })
      .int()
      .min(0)
      .max(60)
      .default(TIMER_DEFAULTS.followUpAfterBusinessDays),
    /** Quiet business days after the follow-up (or the answer, without one) before the ticket closes itself with a short note; 0 never auto-closes. */
    autoCloseAfterBusinessDays: z
      .number({ error: 'expected a whole number of business days' })
      .int()
      .min(0)
      .max(90)
      .default(TIMER_DEFAULTS.autoCloseAfterBusinessDays),
    /** On close, ask the customer one question: did we solve it? */
    survey: z.boolean().default(TIMER_DEFAULTS.survey),
  })
  .strict();

export const departmentSchema = z
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
    firstResponseHours: z
      .number({ error: 'expected a number of business hours' })
      .positive({ error: 'expected a positive number of business hours' }),
    businessHours: businessHoursSchema,
    agents: z.array(email).min(1, { error: 'expected at least one agent address' }),
    lead: email,
    /**
     * Added to the first-response target in the promise the ack makes: the team works to the target
     * (warnings and escalation run on it) and the customer is promised a time the team can beat.
     */
    promiseMarginHours: z
      .number({ error: 'expected a number of business hours (0 or more)' })
      .min(0, { error: 'expected 0 or more business hours' })
      .default(1),
    timers: timersSchema.default(TIMER_DEFAULTS),
    /** How customers reach the department other than by mail; offered in the follow-up. */
    contact: z
      .object({
        /** Phone number customers may call, or ask to be called back from. */
        phone: z.string().trim().min(3).optional(),
        /** Live chat link. */
        chatUrl: z
          .url({
            protocol: /^https?$/,
            error: (issue) => `expected an http(s) link, got ${JSON.stringify(issue.input)}`,
          })
          .optional(),
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
        optedIn: z
          .array(
            z
              .string()
              .trim()
              .toLowerCase()
              .regex(/^([^@\s]+@|@)[^@\s]+\.[^@\s]+$/, {
                error: (issue) => `expected an address or @domain, got ${JSON.stringify(issue.input)}`,
              }),
          )
          .default([]),
      })
      .strict()
      .optional(),
    /** Language of this department's mail when the customer's cannot be told (ISO 639-1; templates/<language>/ must exist). */
    language: languageCode.default('en'),
    /** A ticket answered automatically from the FAQ is closed when the customer replies that the answer solved it. */
    resolveOnFaqConfirmation: z.boolean().default(false),
    /** What happens to mail SES marks as spam or virus: quarantined (stored, no ack, no forward, releasable) or handled as usual. */
    quarantine: z
      .object({ spam: z.boolean().default(true), virus: z.boolean().default(true) })
      .strict()
      .default({ spam: true, virus: true }),
  })
  .strict();
