import { parseConfig } from '../../lib/config/schema';
import {
  addBusinessDays,
  addBusinessHours,
  businessHoursBetween,
  formatLocal,
} from '../../functions/domain/turnaround';
import {
  referenceAddBusinessDays,
  referenceAddBusinessHours,
  referenceBusinessHoursBetween,
} from '../support/turnaround-reference';

const calendar = (timeZone: string, holidays: string[] = []) =>
  parseConfig({
    mailDomain: 'example.com',
    generalAddress: 'help@example.com',
    triageQueue: 'q',
    departments: [
      {
        name: 'q',
        prefix: 'QQ',
        firstResponseHours: 1,
        agents: ['a@x.example.com'],
        lead: 'l@x.example.com',
        businessHours: {
          timeZone,
          holidays,
          weekly: {
            mon: '09:00-17:00',
            tue: '09:00-17:00',
            wed: '09:00-17:00',
            thu: '09:00-17:00',
            fri: '09:00-17:00',
          },
        },
      },
    ],
  }).departments[0].businessHours;

describe('addBusinessHours', () => {
  const london = calendar('Europe/London');

  it('adds hours inside the same business day', () => {
    expect(addBusinessHours(new Date('2026-11-23T10:00:00Z'), 4, london).toISOString()).toBe(
      '2026-11-23T14:00:00.000Z',
    );
  });

  it('carries what is left over the night', () => {
    // Monday 15:00 + 4h: 2h on Monday, 2h from Tuesday 09:00.
    expect(addBusinessHours(new Date('2026-11-23T15:00:00Z'), 4, london).toISOString()).toBe(
      '2026-11-24T11:00:00.000Z',
    );
  });

  it('skips the weekend: Friday 16:00 + 2h is Monday 10:00', () => {
    expect(addBusinessHours(new Date('2026-11-27T16:00:00Z'), 2, london).toISOString()).toBe(
      '2026-11-30T10:00:00.000Z',
    );
  });

  it('starts counting at opening time for mail that arrives after hours or on a Saturday', () => {
    expect(addBusinessHours(new Date('2026-11-23T22:30:00Z'), 1, london).toISOString()).toBe(
      '2026-11-24T10:00:00.000Z',
    );
    expect(addBusinessHours(new Date('2026-11-28T12:00:00Z'), 1, london).toISOString()).toBe(
      '2026-11-30T10:00:00.000Z',
    );
  });

  it('keeps local opening hours across a daylight-saving change', () => {
    // Europe/London leaves summer time on Sunday 25 October 2026. Friday 16:00 BST (15:00Z) + 2h
    // = 1h on Friday, then Monday 09:00-10:00 GMT = 10:00Z.
    expect(addBusinessHours(new Date('2026-10-23T15:00:00Z'), 2, london).toISOString()).toBe(
      '2026-10-26T10:00:00.000Z',
    );
    // New York enters summer time on 8 March 2026: Friday 16:00 EST (21:00Z) + 2h -> Monday 10:00 EDT (14:00Z).
    expect(addBusinessHours(new Date('2026-03-06T21:00:00Z'), 2, calendar('America/New_York')).toISOString()).toBe(
      '2026-03-09T14:00:00.000Z',
    );
  });

  it('skips holidays and handles targets longer than a day', () => {
    const withHoliday = calendar('Europe/London', ['2026-11-24']);
    // Monday 09:00 + 12h: 8h Monday, Tuesday is a holiday, 4h Wednesday -> 13:00.
    expect(addBusinessHours(new Date('2026-11-23T09:00:00Z'), 12, withHoliday).toISOString()).toBe(
      '2026-11-25T13:00:00.000Z',
    );
  });

  it('formats the promise in the department zone', () => {
    expect(formatLocal(new Date('2026-11-24T13:00:00Z'), 'Europe/Berlin')).toBe(
      'Tuesday 24 November 2026, 14:00 (Europe/Berlin)',
    );
  });
});

describe('businessHoursBetween', () => {
  const london = calendar('Europe/London');

  it('counts only the open hours of one day', () => {
    expect(businessHoursBetween(new Date('2026-11-23T10:00:00Z'), new Date('2026-11-23T14:30:00Z'), london)).toBe(4.5);
    // before opening and after closing count nothing
    expect(businessHoursBetween(new Date('2026-11-23T06:00:00Z'), new Date('2026-11-23T20:00:00Z'), london)).toBe(8);
  });

  it('skips the weekend: Friday 16:00 to Monday 10:00 is 2 hours', () => {
    expect(businessHoursBetween(new Date('2026-11-27T16:00:00Z'), new Date('2026-11-30T10:00:00Z'), london)).toBe(2);
    // a mail on Saturday answered on Sunday took no business time at all
    expect(businessHoursBetween(new Date('2026-11-28T12:00:00Z'), new Date('2026-11-29T12:00:00Z'), london)).toBe(0);
  });

  it('skips holidays', () => {
    const withHoliday = calendar('Europe/London', ['2026-11-24']);
    // Monday 09:00 to Wednesday 13:00: 8h Monday, Tuesday closed, 4h Wednesday.
    expect(businessHoursBetween(new Date('2026-11-23T09:00:00Z'), new Date('2026-11-25T13:00:00Z'), withHoliday)).toBe(
      12,
    );
    expect(businessHoursBetween(new Date('2026-11-23T09:00:00Z'), new Date('2026-11-25T13:00:00Z'), london)).toBe(20);
  });

  it('keeps local opening hours across a daylight-saving change', () => {
    // London leaves summer time on Sunday 25 October 2026: Friday 16:00 BST (15:00Z) to Monday 10:00 GMT (10:00Z).
    expect(businessHoursBetween(new Date('2026-10-23T15:00:00Z'), new Date('2026-10-26T10:00:00Z'), london)).toBe(2);
    // A department open round the clock: the night the clocks go forward (29 March 2026) has 23 hours.
    const always = parseConfig({
      mailDomain: 'example.com',
      generalAddress: 'help@example.com',
      triageQueue: 'q',
      departments: [
        {
          name: 'q',
          prefix: 'QQ',
          firstResponseHours: 1,
          agents: ['a@x.example.com'],
          lead: 'l@x.example.com',
          businessHours: { timeZone: 'Europe/London', weekly: { sun: '00:00-24:00' } },
        },
      ],
    }).departments[0].businessHours;
    expect(businessHoursBetween(new Date('2026-03-28T12:00:00Z'), new Date('2026-03-30T12:00:00Z'), always)).toBe(23);
  });

  it('is the inverse of addBusinessHours', () => {
    for (const [start, hours] of [
      ['2026-11-23T15:00:00Z', 4],
      ['2026-11-27T16:00:00Z', 2],
      ['2026-10-23T15:00:00Z', 9.25],
      ['2026-12-24T12:00:00Z', 30],
    ] as const) {
      const end = addBusinessHours(new Date(start), hours, calendar('Europe/London', ['2026-12-25', '2026-12-28']));
      expect(
        businessHoursBetween(new Date(start), end, calendar('Europe/London', ['2026-12-25', '2026-12-28'])),
      ).toBeCloseTo(hours, 9);
    }
  });

  it('is 0 when the end is not after the start', () => {
    expect(businessHoursBetween(new Date('2026-11-23T12:00:00Z'), new Date('2026-11-23T11:00:00Z'), london)).toBe(0);
  });
});

describe('the kept local days give what one luxon DateTime per step gives', () => {
  // Zones with daylight-saving changes at 01:00, 02:00 and midnight, half-hour offsets and a
  // half-hour daylight-saving shift (Lord Howe), and split, round-the-clock and weekend calendars.
  const zones = [
    'Europe/London',
    'America/New_York',
    'America/Santiago',
    'Asia/Kolkata',
    'Asia/Kathmandu',
    'Australia/Lord_Howe',
    'Pacific/Chatham',
    'America/Havana',
    'UTC',
  ];
  const weeks: Record<string, string | string[]>[] = [
    { mon: '09:00-17:00', tue: '09:00-17:00', wed: '09:00-17:00', thu: '09:00-17:00', fri: '09:00-17:00' },
    { mon: ['08:00-12:00', '13:00-17:30'], wed: '00:00-24:00', sat: '10:00-14:00' },
    { sun: '00:00-24:00', mon: '00:30-02:30', fri: '22:00-24:00' },
  ];
  const calendarOf = (timeZone: string, weekly: Record<string, string | string[]>, holidays: string[]) =>
    parseConfig({
      mailDomain: 'example.com',
      generalAddress: 'help@example.com',
      triageQueue: 'q',
      departments: [
        {
          name: 'q',
          prefix: 'QQ',
          firstResponseHours: 1,
          agents: ['a@x.example.com'],
          lead: 'l@x.example.com',
          businessHours: { timeZone, holidays, weekly },
        },
      ],
    }).departments[0].businessHours;
  // A fixed seed: the same 1,800 cases on every run.
  let seed = 20261123;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const from = Date.UTC(2026, 0, 1);
  const span = 400 * 86_400_000;

  it('for added hours, added business days and the hours between two moments', () => {
    let compared = 0;
    for (const timeZone of zones) {
      for (const weekly of weeks) {
        const calendar = calendarOf(timeZone, weekly, ['2026-03-09', '2026-04-05', '2026-10-04', '2026-12-25']);
        for (let i = 0; i < 67; i++) {
          // whole quarter hours around daylight-saving changes matter most, so half the starts are on them
          const start = new Date(
            i % 2 ? from + Math.floor(random() * span) : from + Math.floor((random() * span) / 900_000) * 900_000,
          );
          const hours = [0.25, 1, 4, 8, 24, 50][i % 6] * (1 + random());
          const days = 1 + (i % 5);
          expect([
            timeZone,
            start.toISOString(),
            hours,
            addBusinessHours(start, hours, calendar).toISOString(),
          ]).toEqual([
            timeZone,
            start.toISOString(),
            hours,
            referenceAddBusinessHours(start, hours, calendar).toISOString(),
          ]);
          expect([timeZone, start.toISOString(), days, addBusinessDays(start, days, calendar).toISOString()]).toEqual([
            timeZone,
            start.toISOString(),
            days,
            referenceAddBusinessDays(start, days, calendar).toISOString(),
          ]);
          const end = new Date(start.getTime() + random() * 20 * 86_400_000);
          expect(businessHoursBetween(start, end, calendar)).toBeCloseTo(
            referenceBusinessHoursBetween(start, end, calendar),
            9,
          );
          compared += 3;
        }
      }
    }
    expect(compared).toBe(zones.length * weeks.length * 67 * 3);
  });
});
