import * as z from 'zod';
import { IANAZone } from 'luxon';

/** The scalar fields of the config schema (`lib/config/schema.ts`), each with the message a wrong value gets. */

export const email = z
  .string({ error: 'expected an e-mail address' })
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: (issue) => `expected an e-mail address, got ${JSON.stringify(issue.input)}` }));

export const domain = z
  .string({ error: 'expected a domain name' })
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
    error: (issue) => `expected a domain name such as example.com, got ${JSON.stringify(issue.input)}`,
  });

/** "09:00-17:30" -> minutes after midnight. */
export const hoursRange = z
  .string({ error: 'expected opening hours such as "09:00-17:00"' })
  .transform((value, ctx) => {
    const match = /^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-4]):([0-5]\d)$/.exec(value.trim());
    if (!match) {
      ctx.addIssue({
        code: 'custom',
        message: `expected opening hours such as "09:00-17:00", got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    const open = Number(match[1]) * 60 + Number(match[2]);
    const close = Number(match[3]) * 60 + Number(match[4]);
    if (close <= open || close > 24 * 60) {
      ctx.addIssue({
        code: 'custom',
        message: `expected the closing time after the opening time, got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    return { open, close };
  });

export const timeZone = z
  .string({ error: 'expected an IANA time zone such as "Europe/Berlin"' })
  .refine((tz) => IANAZone.isValidZone(tz), {
    error: (issue) => `expected an IANA time zone such as "Europe/Berlin", got ${JSON.stringify(issue.input)}`,
  });

export const isoDate = z.string({ error: 'expected a date as YYYY-MM-DD' }).regex(/^\d{4}-\d{2}-\d{2}$/, {
  error: (issue) => `expected a date as YYYY-MM-DD, got ${JSON.stringify(issue.input)}`,
});

/** An ISO 639-1 language code such as "de". */
export const languageCode = z
  .string({ error: 'expected a two-letter language code (ISO 639-1) such as "de"' })
  .trim()
  .toLowerCase()
  .regex(/^[a-z]{2}$/, {
    error: (issue) =>
      `expected a two-letter language code (ISO 639-1) such as "de", got ${JSON.stringify(issue.input)}`,
  });

export const priorityLevel = z.enum(['low', 'normal', 'high', 'urgent'], {
  error: (issue) => `expected low, normal, high or urgent, got ${JSON.stringify(issue.input)}`,
});

/** An EventBridge schedule expression: `cron(<6 fields>)` or `rate(<n> <unit>)`. */
export const scheduleExpression = z
  .string({ error: 'expected an EventBridge schedule such as "cron(0 7 ? * MON *)"' })
  .trim()
  .regex(/^(cron\(\s*\S+(\s+\S+){5}\s*\)|rate\(\s*[1-9]\d*\s+(minute|minutes|hour|hours|day|days)\s*\))$/, {
    error: (issue) =>
      `expected an EventBridge schedule such as "cron(0 7 ? * MON *)" (six fields, UTC) or "rate(7 days)", got ${JSON.stringify(issue.input)}`,
  });
