import { DateTime, IANAZone } from 'luxon';
import type { BusinessHours } from './config';
import { WEEKDAYS } from './weekdays';

/**
 * A time zone that remembers its UTC offset at each instant it was asked about. Luxon asks again and
 * again for the same instants (day starts, opening and closing times: 476 asks for 40 instants over 34
 * tickets of one morning, measured by `npm run bench`), and each answer costs an
 * Intl.DateTimeFormat#formatToParts. An instant's offset never changes, so the answers are the same.
 */
class RememberingZone extends IANAZone {
  private readonly offsets = new Map<number, number>();
  override offset(ts: number): number {
    let offset = this.offsets.get(ts);
    if (offset === undefined) {
      if (this.offsets.size >= 4096) this.offsets.clear();
      offset = super.offset(ts);
      this.offsets.set(ts, offset);
    }
    return offset;
  }
}

const zones = new Map<string, RememberingZone>();
function zone(name: string): RememberingZone {
  let z = zones.get(name);
  if (!z) zones.set(name, (z = new RememberingZone(name)));
  return z;
}

/** Longest search for open hours; a calendar with no opening in ten years is a config mistake. */
const MAX_DAYS = 3660;

/**
 * Adds business hours to a moment: only time inside the department's opening hours counts, in
 * its time zone, skipping holidays. Wall-clock opening times are applied per day, so a
 * daylight-saving change keeps "09:00-17:00" meaning nine to five local time.
 * @returns the UTC moment by which `hours` of business time have passed.
 */
export function addBusinessHours(start: Date, hours: number, calendar: BusinessHours): Date {
  let remaining = Math.round(hours * 60 * 60 * 1000);
  const holidays = new Set(calendar.holidays);
  let cursor = DateTime.fromJSDate(start, { zone: zone(calendar.timeZone) });
  let day = cursor.startOf('day');
  for (let i = 0; i < MAX_DAYS; i++, day = day.plus({ days: 1 }).startOf('day')) {
    if (holidays.has(day.toISODate()!)) continue;
    const ranges = calendar.weekly[WEEKDAYS[day.weekday - 1]];
    for (const range of ranges) {
      const open = day.set({ hour: Math.floor(range.open / 60), minute: range.open % 60 });
      const close = range.close === 24 * 60 ? day.plus({ days: 1 }).startOf('day') : day.set({ hour: Math.floor(range.close / 60), minute: range.close % 60 });
      const from = cursor > open ? cursor : open;
      if (from >= close) continue;
      const available = close.toMillis() - from.toMillis();
      if (available >= remaining) return new Date(from.toMillis() + remaining);
      remaining -= available;
      cursor = close;
    }
  }
  throw new Error(`no opening hours within ${MAX_DAYS} days of ${start.toISOString()} in ${calendar.timeZone}`);
}

/**
 * The opening time of the `days`-th business day after the local day of `start` (a day with opening
 * hours that is not a holiday). Follow-ups and auto-closes land at the start of a business morning,
 * when someone is there to read the answer: Friday 15:00 + 1 business day is Monday's opening.
 */
export function addBusinessDays(start: Date, days: number, calendar: BusinessHours): Date {
  const holidays = new Set(calendar.holidays);
  let day = DateTime.fromJSDate(start, { zone: zone(calendar.timeZone) }).startOf('day');
  let left = days;
  for (let i = 0; i < MAX_DAYS; i++) {
    day = day.plus({ days: 1 }).startOf('day');
    const ranges = calendar.weekly[WEEKDAYS[day.weekday - 1]];
    if (ranges.length === 0 || holidays.has(day.toISODate()!)) continue;
    if (--left > 0) continue;
    const open = Math.min(...ranges.map((r) => r.open));
    return day.set({ hour: Math.floor(open / 60), minute: open % 60 }).toJSDate();
  }
  throw new Error(`no business day within ${MAX_DAYS} days of ${start.toISOString()} in ${calendar.timeZone}`);
}

/**
 * Business hours between two moments: the inverse of {@link addBusinessHours}. Only time inside the
 * department's opening hours counts, in its time zone, skipping holidays; opening times are applied
 * per local day, so a daylight-saving change keeps "09:00-17:00" eight hours long.
 * @returns hours (fractional); 0 when `end` is not after `start`.
 */
export function businessHoursBetween(start: Date, end: Date, calendar: BusinessHours): number {
  if (!(end.getTime() > start.getTime())) return 0;
  const holidays = new Set(calendar.holidays);
  const startMs = start.getTime();
  const endMs = end.getTime();
  let total = 0;
  let day = DateTime.fromJSDate(start, { zone: zone(calendar.timeZone) }).startOf('day');
  for (let i = 0; i < MAX_DAYS && day.toMillis() < endMs; i++, day = day.plus({ days: 1 }).startOf('day')) {
    if (holidays.has(day.toISODate()!)) continue;
    for (const range of calendar.weekly[WEEKDAYS[day.weekday - 1]]) {
      const open = day.set({ hour: Math.floor(range.open / 60), minute: range.open % 60 }).toMillis();
      const close = range.close === 24 * 60 ? day.plus({ days: 1 }).startOf('day').toMillis() : day.set({ hour: Math.floor(range.close / 60), minute: range.close % 60 }).toMillis();
      const from = Math.max(open, startMs);
      const to = Math.min(close, endMs);
      if (to > from) total += to - from;
    }
  }
  return total / 3_600_000;
}

/** The locale dates are written in for a language: British English keeps "Monday 23 November 2026, 17:00". */
export function localeOf(language: string | undefined): string {
  return !language || language === 'en' ? 'en-GB' : language;
}

/** The department's local reading of a moment, for people: "Tuesday 24 November 2026, 13:00 (Europe/London)". */
export function formatLocal(moment: Date, timeZone: string, locale = 'en-GB'): string {
  // The same instant is written into several mails of one ticket (the due time in the acknowledgement
  // and in the agents' copy); luxon's formatting with month and weekday names costs ~0.1 ms a call (the
  // parse_ratio profile), so each result is kept, per container, for the next mail that asks.
  const key = `${moment.getTime()}|${timeZone}|${locale}`;
  let text = formatted.get(key);
  if (text === undefined) {
    const local = DateTime.fromJSDate(moment, { zone: zone(timeZone) }).setLocale(locale);
    // British English keeps its fixed form; other languages get their own word order ("Dienstag, 24. November 2026 um 09:45").
    const words = locale === 'en-GB' ? local.toFormat('cccc d LLLL yyyy, HH:mm') : local.toLocaleString({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' });
    text = `${words} (${timeZone})`;
    if (formatted.size >= FORMATTED_KEPT) formatted.clear();
    formatted.set(key, text);
  }
  return text;
}

/** Instants already written by {@link formatLocal}, and how many are kept before starting afresh. */
const formatted = new Map<string, string>();
const FORMATTED_KEPT = 1000;
