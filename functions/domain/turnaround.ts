import { DateTime, IANAZone } from 'luxon';
import type { BusinessHours } from './config';
import { WEEKDAYS } from './weekdays';

/**
 * A time zone that remembers its UTC offset at each instant it was asked about. Luxon asks again and
 * again for the same few instants (day starts, opening and closing times), and each answer costs an
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
 * One local day of a time zone: where it starts and ends (UTC ms; 23 or 25 hours on a daylight-saving
 * day), its date and weekday, and the UTC moment of each wall-clock time asked for.
 */
class LocalDay {
  private readonly moments = new Map<number, number>();
  constructor(
    private readonly zone: RememberingZone,
    /** days since 1970-01-01 of the local date: the key of this day in its zone's cache */
    readonly index: number,
    readonly start: number,
    readonly end: number,
    /** ISO date, as holidays are written */
    readonly date: string,
    /** 1 = Monday ... 7 = Sunday */
    readonly weekday: number,
  ) {}

  /** The UTC moment of a wall-clock time (minutes after midnight) on this day; 24:00 is the next day's start. */
  at(minute: number): number {
    if (minute === 24 * 60) return this.end;
    let moment = this.moments.get(minute);
    if (moment === undefined) {
      // luxon resolves times that a daylight-saving change skips or repeats, once per day and time
      moment = DateTime.fromMillis(this.start, { zone: this.zone })
        .set({ hour: Math.floor(minute / 60), minute: minute % 60 })
        .toMillis();
      this.moments.set(minute, moment);
    }
    return moment;
  }
}

const DAY_MS = 86_400_000;

/**
 * The local days of one time zone, made with luxon once each and kept. Business-time arithmetic walks
 * day by day, several times per new ticket; with luxon objects each step would cost a dozen DateTime
 * allocations and offset lookups. Here a step is a map lookup.
 */
class LocalCalendar {
  private readonly days = new Map<number, LocalDay>();
  /** The zone's offset (ms) at the last day made: the first guess of which local date an instant has. */
  private lastOffset = 0;
  constructor(private readonly zone: RememberingZone) {}

  /** The local day that contains `moment` (UTC ms). */
  dayOf(moment: number): LocalDay {
    const guess = Math.floor((moment + this.lastOffset) / DAY_MS);
    for (const index of [guess, guess - 1, guess + 1]) {
      const day = this.days.get(index);
      if (day && day.start <= moment && moment < day.end) return day;
    }
    const start = DateTime.fromMillis(moment, { zone: this.zone }).startOf('day');
    return this.remember(start);
  }

  /** The local day after `day`. */
  next(day: LocalDay): LocalDay {
    return this.days.get(day.index + 1) ?? this.dayOf(day.end);
  }

  private remember(start: DateTime): LocalDay {
    const index = Math.round(Date.UTC(start.year, start.month - 1, start.day) / DAY_MS);
    const existing = this.days.get(index);
    if (existing) return existing;
    const end = start.plus({ days: 1 }).startOf('day');
    const day = new LocalDay(this.zone, index, start.toMillis(), end.toMillis(), start.toISODate()!, start.weekday);
    if (this.days.size >= 4096) this.days.clear();
    this.days.set(index, day);
    this.lastOffset = start.offset * 60_000;
    return day;
  }
}

const calendars = new Map<string, LocalCalendar>();
function localCalendar(timeZone: string): LocalCalendar {
  let calendar = calendars.get(timeZone);
  if (!calendar) calendars.set(timeZone, (calendar = new LocalCalendar(zone(timeZone))));
  return calendar;
}

/** The holidays of a calendar as a set, made once per calendar object (configs are parsed once per container). */
const holidaySets = new WeakMap<BusinessHours, ReadonlySet<string>>();
function holidaysOf(calendar: BusinessHours): ReadonlySet<string> {
  let set = holidaySets.get(calendar);
  if (!set) holidaySets.set(calendar, (set = new Set(calendar.holidays)));
  return set;
}

/** The opening ranges of a local day, as UTC moments; none on holidays. */
function openingsOf(
  day: LocalDay,
  calendar: BusinessHours,
  holidays: ReadonlySet<string>,
): { open: number; close: number }[] {
  if (holidays.has(day.date)) return [];
  return calendar.weekly[WEEKDAYS[day.weekday - 1]].map((range) => ({
    open: day.at(range.open),
    close: day.at(range.close),
  }));
}

/**
 * Adds business hours to a moment: only time inside the department's opening hours counts, in
 * its time zone, skipping holidays. Wall-clock opening times are applied per day, so a
 * daylight-saving change keeps "09:00-17:00" meaning nine to five local time.
 * @returns the UTC moment by which `hours` of business time have passed.
 */
export function addBusinessHours(start: Date, hours: number, calendar: BusinessHours): Date {
  let remaining = Math.round(hours * 60 * 60 * 1000);
  const holidays = holidaysOf(calendar);
  const days = localCalendar(calendar.timeZone);
  let cursor = start.getTime();
  let day = days.dayOf(cursor);
  for (let i = 0; i < MAX_DAYS; i++, day = days.next(day)) {
    for (const { open, close } of openingsOf(day, calendar, holidays)) {
      const from = Math.max(cursor, open);
      if (from >= close) continue;
      const available = close - from;
      if (available >= remaining) return new Date(from + remaining);
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
  const holidays = holidaysOf(calendar);
  const local = localCalendar(calendar.timeZone);
  let day = local.dayOf(start.getTime());
  let left = days;
  for (let i = 0; i < MAX_DAYS; i++) {
    day = local.next(day);
    const ranges = calendar.weekly[WEEKDAYS[day.weekday - 1]];
    if (ranges.length === 0 || holidays.has(day.date)) continue;
    if (--left > 0) continue;
    return new Date(day.at(Math.min(...ranges.map((r) => r.open))));
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
  const holidays = holidaysOf(calendar);
  const local = localCalendar(calendar.timeZone);
  const startMs = start.getTime();
  const endMs = end.getTime();
  let total = 0;
  let day = local.dayOf(startMs);
  for (let i = 0; i < MAX_DAYS && day.start < endMs; i++, day = local.next(day)) {
    for (const { open, close } of openingsOf(day, calendar, holidays)) {
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
  // and in the agents' copy), and luxon's formatting with month and weekday names is slow, so each
  // result is kept, per container, for the next mail that asks.
  const key = `${moment.getTime()}|${timeZone}|${locale}`;
  let text = formatted.get(key);
  if (text === undefined) {
    const local = DateTime.fromJSDate(moment, { zone: zone(timeZone) }).setLocale(locale);
    // British English keeps its fixed form; other languages get their own word order ("Dienstag, 24. November 2026 um 09:45").
    const words =
      locale === 'en-GB'
        ? local.toFormat('cccc d LLLL yyyy, HH:mm')
        : local.toLocaleString({
            weekday: 'long',
            day: 'numeric',
            month: 'long',
            year: 'numeric',
            hour: '2-digit',
            minute: '2-digit',
          });
    text = `${words} (${timeZone})`;
    if (formatted.size >= FORMATTED_KEPT) formatted.clear();
    formatted.set(key, text);
  }
  return text;
}

/** Instants already written by {@link formatLocal}, and how many are kept before starting afresh. */
const formatted = new Map<string, string>();
const FORMATTED_KEPT = 1000;
