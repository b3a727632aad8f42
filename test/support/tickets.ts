import type { Ticket } from '../../functions/domain/ticket';

/**
 * A ticket as stored, for tests that start from one: BIL-1001, Jane's refund, open, unanswered,
 * created 2026-11-23 09:00 UTC and due at 17:00. `overrides` set what the test is about.
 */
export function aTicket(overrides: Partial<Ticket> = {}): Ticket {
  return {
    id: 'BIL-1001',
    department: 'billing',
    status: 'open',
    priority: 'normal',
    customer: 'jane@customer.example.org',
    customerName: 'Jane',
    participants: ['jane@customer.example.org'],
    subject: 'Refund',
    createdAt: '2026-11-23T09:00:00.000Z',
    dueAt: '2026-11-23T17:00:00.000Z',
    messageIds: [],
    version: 1,
    ...overrides,
  };
}
