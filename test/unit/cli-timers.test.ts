import type { Ticket } from '../../functions/domain/ticket';
import { formatFiresIn, pendingTimers } from '../../lib/cli/timers';
import { aTicket } from '../support/tickets';

const t = (id: string, extra: Partial<Ticket>): Ticket =>
  aTicket({
    id,
    department: 'support',
    customer: 'kim@x.org',
    customerName: '',
    participants: [],
    subject: 's',
    createdAt: '2026-11-23T14:00:00.000Z',
    dueAt: '2026-11-23T18:00:00.000Z',
    ...extra,
  });

describe('triage timers', () => {
  const now = new Date('2026-11-23T15:00:00Z');
  const tickets = [
    t('SUP-1', {
      timerGeneration: 1,
      timer: { generation: 1, step: 'follow-up', at: '2026-11-25T13:00:00.000Z' },
      status: 'waiting',
    }),
    t('SUP-2', { timerGeneration: 0, timer: { generation: 0, step: 'warn', at: '2026-11-23T17:00:00.000Z' } }),
    t('SUP-3', {}), // no pending step
    t('SUP-4', { timerGeneration: 2, timer: { generation: 1, step: 'follow-up', at: '2026-11-25T13:00:00.000Z' } }), // a stale plan is not pending
  ];

  it('lists the pending step of each ticket, soonest first, with its execution and real firing time at the time scale', () => {
    expect(pendingTimers(tickets, now, 3600)).toEqual([
      {
        ticketId: 'SUP-2',
        department: 'support',
        status: 'open',
        step: 'warn',
        generation: 0,
        at: '2026-11-23T17:00:00.000Z',
        execution: 'SUP-2-g0-warn',
        firesInMs: 2000,
      },
      {
        ticketId: 'SUP-1',
        department: 'support',
        status: 'waiting',
        step: 'follow-up',
        generation: 1,
        at: '2026-11-25T13:00:00.000Z',
        execution: 'SUP-1-g1-follow-up',
        firesInMs: 46000,
      },
    ]);
  });

  it('says when a step fires in words', () => {
    expect(formatFiresIn(-5)).toBe('due');
    expect(formatFiresIn(2000)).toBe('in 2.0 s');
    expect(formatFiresIn(3 * 3600_000 + 12 * 60_000)).toBe('in 3h 12m');
    expect(formatFiresIn(3 * 86_400_000)).toBe('in 3.0 days');
  });
});
