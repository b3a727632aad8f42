import { parseConfig } from '../../functions/domain/config';
import { addBusinessHours, formatLocal } from '../../functions/domain/turnaround';

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
        businessHours: { timeZone, holidays, weekly: { mon: '09:00-17:00', tue: '09:00-17:00', wed: '09:00-17:00', thu: '09:00-17:00', fri: '09:00-17:00' } },
      },
    ],
  }).departments[0].businessHours;

describe('addBusinessHours', () => {
  const london = calendar('Europe/London');

  it('adds hours inside the same business day', () => {
    expect(addBusinessHours(new Date('2026-11-23T10:00:00Z'), 4, london).toISOString()).toBe('2026-11-23T14:00:00.000Z');
  });

  it('carries what is left over the night', () => {
    // Monday 15:00 + 4h: 2h on Monday, 2h from Tuesday 09:00.
    expect(addBusinessHours(new Date('2026-11-23T15:00:00Z'), 4, london).toISOString()).toBe('2026-11-24T11:00:00.000Z');
  });

  it('skips the weekend: Friday 16:00 + 2h is Monday 10:00', () => {
    expect(addBusinessHours(new Date('2026-11-27T16:00:00Z'), 2, london).toISOString()).toBe('2026-11-30T10:00:00.000Z');
  });

  it('starts counting at opening time for mail that arrives after hours or on a Saturday', () => {
    expect(addBusinessHours(new Date('2026-11-23T22:30:00Z'), 1, london).toISOString()).toBe('2026-11-24T10:00:00.000Z');
    expect(addBusinessHours(new Date('2026-11-28T12:00:00Z'), 1, london).toISOString()).toBe('2026-11-30T10:00:00.000Z');
  });

  it('keeps local opening hours across a daylight-saving change', () => {
    // Europe/London leaves summer time on Sunday 25 October 2026. Friday 16:00 BST (15:00Z) + 2h
    // = 1h on Friday, then Monday 09:00-10:00 GMT = 10:00Z.
    expect(addBusinessHours(new Date('2026-10-23T15:00:00Z'), 2, london).toISOString()).toBe('2026-10-26T10:00:00.000Z');
    // New York enters summer time on 8 March 2026: Friday 16:00 EST (21:00Z) + 2h -> Monday 10:00 EDT (14:00Z).
    expect(addBusinessHours(new Date('2026-03-06T21:00:00Z'), 2, calendar('America/New_York')).toISOString()).toBe('2026-03-09T14:00:00.000Z');
  });

  it('skips holidays and handles targets longer than a day', () => {
    const withHoliday = calendar('Europe/London', ['2026-11-24']);
    // Monday 09:00 + 12h: 8h Monday, Tuesday is a holiday, 4h Wednesday -> 13:00.
    expect(addBusinessHours(new Date('2026-11-23T09:00:00Z'), 12, withHoliday).toISOString()).toBe('2026-11-25T13:00:00.000Z');
  });

  it('formats the promise in the department zone', () => {
    expect(formatLocal(new Date('2026-11-24T13:00:00Z'), 'Europe/Berlin')).toBe('Tuesday 24 November 2026, 14:00 (Europe/Berlin)');
  });
});
