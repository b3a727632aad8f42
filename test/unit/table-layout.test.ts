import * as layout from '../../functions/adapters/table-layout';

describe('table layout', () => {
  it('builds every key shape of the single table as stored items have it', () => {
    expect(layout.ticketKey('BIL-1001')).toEqual({ pk: 'TICKET#BIL-1001', sk: 'TICKET' });
    expect(
      layout.ticketIndexKeys({ department: 'billing', status: 'open', dueAt: '2026-11-24T10:00:00.000Z' }),
    ).toEqual({ gsi1pk: 'billing#open', gsi1sk: '2026-11-24T10:00:00.000Z' });
    expect(
      layout.messageKey({ ticketId: 'BIL-1001', at: '2026-11-23T10:15:04.000Z', kind: 'ack', messageId: '<a@b>' }),
    ).toEqual({ pk: 'TICKET#BIL-1001', sk: 'MSG#2026-11-23T10:15:04.000Z#ack#<a@b>' });
    expect(layout.messageKey({ ticketId: 'BIL-1001', at: '2026-11-23T10:15:04.000Z', kind: 'note' }).sk).toBe(
      'MSG#2026-11-23T10:15:04.000Z#note#',
    );
    expect(layout.MESSAGE_SORT_PREFIX).toBe('MSG#');
    expect(layout.messageIdKey('<A@B>')).toEqual({ pk: 'MSGID#<a@b>', sk: 'MSGID' });
    expect(layout.counterKey('BIL')).toEqual({ pk: 'COUNTER#BIL', sk: 'COUNTER' });
    expect(layout.deliveryKey('jane@x.example|<m@x>')).toEqual({ pk: 'DELIVERY#jane@x.example|<m@x>', sk: 'DELIVERY' });
    expect(layout.objectOutcomeKey('inbound/help@example.com/abc')).toEqual({
      pk: 'OBJECT#inbound/help@example.com/abc',
      sk: 'OBJECT',
    });
    expect(
      layout.rateWindowKey(layout.senderRateScope('Jane@X.example'), 10, new Date('2026-11-23T10:10:00Z')),
    ).toEqual({ pk: 'RATE#sender:jane@x.example#10m#2026-11-23T10:10:00.000Z', sk: 'RATE' });
    expect(layout.GLOBAL_RATE_SCOPE).toBe('global');
    expect(layout.customerKey('jane@x.example')).toEqual({ pk: 'CUSTOMER#jane@x.example', sk: 'CUSTOMER' });
    expect(layout.quarantineKey('inbound/help@example.com/abc')).toEqual({
      pk: 'QUARANTINE',
      sk: 'inbound/help@example.com/abc',
    });
    expect(layout.suppressionKey('Gone@X.org')).toEqual({ pk: 'SUPPRESS#gone@x.org', sk: 'SUPPRESS' });
    expect(layout.transientBounceKey('Gone@X.org', '2026-01-10T00:00:00.000Z', 'fb-1')).toEqual({
      pk: 'SUPPRESS#gone@x.org',
      sk: 'SOFT#2026-01-10T00:00:00.000Z#fb-1',
    });
    expect(layout.transientBounceRange('2026-01-03T00:00:00.000Z', '2026-01-10T00:00:00.000Z')).toEqual({
      from: 'SOFT#2026-01-03T00:00:00.000Z',
      to: 'SOFT#2026-01-10T00:00:00.000Z#\uffff',
    });
    expect(layout.DEPARTMENT_STATUS_INDEX).toBe('byDepartmentStatus');
    expect(layout.TICKET_PARTITION_PATTERN).toBe('TICKET#*');
  });
});
