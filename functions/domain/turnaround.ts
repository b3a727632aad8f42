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

/** The department's local reading of a moment, for people: "Tuesday 24 November 2026, 13:00 (Europe/London)". */
export function formatLocal(moment: Date, timeZone: string, locale = 'en-GB'): string {
  // The same instant is written into several mails of one ticket (the due time in the acknowledgement
  // and in the agents' copy); luxon's toFormat with month and weekday names costs ~0.1 ms a call (the
  // parse_ratio profile), so each result is kept, per container, for the next mail that asks.
  const key = `${moment.getTime()}|${timeZone}|${locale}`;
  let text = formatted.get(key);
  if (text === undefined) {
    const local = DateTime.fromJSDate(moment, { zone: zone(timeZone) }).setLocale(locale);
    text = `${local.toFormat('cccc d LLLL yyyy, HH:mm')} (${timeZone})`;
    if (formatted.size >= FORMATTED_KEPT) formatted.clear();
    formatted.set(key, text);
  }
  return text;
}

/** Instants already written by {@link formatLocal}, and how many are kept before starting afresh. */
const formatted = new Map<string, string>();
const FORMATTED_KEPT = 1000;
