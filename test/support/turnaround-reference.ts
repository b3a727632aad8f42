import { DateTime } from 'luxon';
import type { BusinessHours } from '../../functions/domain/config';
import { WEEKDAYS } from '../../functions/domain/weekdays';

/**
 * The business-time arithmetic written the plain way, one luxon DateTime per step, as it was before
 * turnaround.ts kept local days: the reference the fast version is compared with in
 * test/unit/turnaround.test.ts, on many zones, calendars and instants.
 */
const MAX_DAYS = 3660;
export function referenceAddBusinessHours(start: Date, hours: number, calendar: BusinessHours): Date {
  let remaining = Math.round(hours * 60 * 60 * 1000);
  const holidays = new Set(calendar.holidays);
  let cursor = DateTime.fromJSDate(start, { zone: calendar.timeZone });
  let day = cursor.startOf('day');
  for (let i = 0; i < MAX_DAYS; i++, day = day.plus({ days: 1 }).startOf('day')) {
    if (holidays.has(day.toISODate()!)) continue;
    const ranges = calendar.weekly[WEEKDAYS[day.weekday - 1]];
    for (const range of ranges) {
      const open = day.set({ hour: Math.floor(range.open / 60), minute: range.open % 60 });
      const close =
        range.close === 24 * 60
          ? day.plus({ days: 1 }).startOf('day')
          : day.set({ hour: Math.floor(range.close / 60), minute: range.close % 60 });
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
export function referenceAddBusinessDays(start: Date, days: number, calendar: BusinessHours): Date {
  const holidays = new Set(calendar.holidays);
  let day = DateTime.fromJSDate(start, { zone: calendar.timeZone }).startOf('day');
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
export function referenceBusinessHoursBetween(start: Date, end: Date, calendar: BusinessHours): number {
  if (!(end.getTime() > start.getTime())) return 0;
  const holidays = new Set(calendar.holidays);
  const startMs = start.getTime();
  const endMs = end.getTime();
  let total = 0;
  let day = DateTime.fromJSDate(start, { zone: calendar.timeZone }).startOf('day');
  for (let i = 0; i < MAX_DAYS && day.toMillis() < endMs; i++, day = day.plus({ days: 1 }).startOf('day')) {
    if (holidays.has(day.toISODate()!)) continue;
    for (const range of calendar.weekly[WEEKDAYS[day.weekday - 1]]) {
      const open = day.set({ hour: Math.floor(range.open / 60), minute: range.open % 60 }).toMillis();
      const close =
        range.close === 24 * 60
          ? day.plus({ days: 1 }).startOf('day').toMillis()
          : day.set({ hour: Math.floor(range.close / 60), minute: range.close % 60 }).toMillis();
      const from = Math.max(open, startMs);
      const to = Math.min(close, endMs);
      if (to > from) total += to - from;
    }
  }
  return total / 3_600_000;
}
