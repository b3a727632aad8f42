/**
 * The days of the week as the config names them. A module of its own so that code that needs only
 * these names (business hours at run time) does not import the config schema, and with it zod, into
 * the Lambda bundles.
 */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
