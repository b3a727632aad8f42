import { compareTicketIds, normaliseAddress } from '../../functions/domain/customer';
import { CustomerMergeError } from '../../functions/ports/customers';
import { MemoryCustomerDirectory } from '../support/in-memory';
import { inboundUseCase } from '../support/inbound';
import { FIXTURES } from '../support/fixtures';
import { MemoryRawMailStore } from '../support/in-memory';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const at = new Date('2026-11-23T10:00:00Z');

describe('normaliseAddress', () => {
  it('lower-cases and trims, and folds nothing else (plus tags and dots are kept apart)', () => {
    expect(normaliseAddress('  Jane.Doe+Shop@Customer.Example.ORG ')).toBe('jane.doe+shop@customer.example.org');
    expect(normaliseAddress('jane.doe@x.example')).not.toBe(normaliseAddress('janedoe@x.example'));
  });
  it('orders ticket ids by prefix, then number', () => {
    expect(['BIL-1010', 'SUP-1001', 'BIL-1002'].sort(compareTicketIds)).toEqual(['BIL-1002', 'BIL-1010', 'SUP-1001']);
  });
});

describe('customer directory (in memory, the Dynamo adapter is exercised end to end in test/e2e/customers-reports.test.ts)', () => {
  it('files tickets by normalised address, once each', async () => {
    const d = new MemoryCustomerDirectory();
    await d.recordTicket('Jane@Example.org', 'BIL-1002', at);
    await d.recordTicket('jane@example.org', 'BIL-1002', at);
    await d.recordTicket('jane@example.org', 'SUP-1001', at);
    expect(await d.resolve('JANE@example.org')).toEqual({
      address: 'jane@example.org',
      aliases: [],
      ticketIds: ['BIL-1002', 'SUP-1001'],
      firstSeenAt: at.toISOString(),
    });
    expect(await d.resolve('nobody@example.org')).toBeUndefined();
  });

  it('merges B into A: both show A with every ticket, later tickets of B too, and aliases never chain', async () => {
    const d = new MemoryCustomerDirectory();
    await d.recordTicket('a@example.org', 'BIL-1001', at);
    await d.recordTicket('b@example.org', 'BIL-1002', at);
    await d.recordTicket('c@example.org', 'BIL-1003', at);
    expect((await d.merge('b@example.org', 'c@example.org', at)).alreadyMerged).toBe(false);
    const merged = await d.merge('A@example.org', 'c@example.org', at); // c's primary is b: b and c move to a
    expect(merged).toEqual({
      alreadyMerged: false,
      customer: {
        address: 'a@example.org',
        aliases: ['b@example.org', 'c@example.org'],
        ticketIds: ['BIL-1001', 'BIL-1002', 'BIL-1003'],
        firstSeenAt: at.toISOString(),
      },
    });
    await d.recordTicket('c@example.org', 'SUP-1009', at);
    expect((await d.resolve('b@example.org'))?.ticketIds).toEqual(['BIL-1001', 'BIL-1002', 'BIL-1003', 'SUP-1009']);
    expect((await d.merge('c@example.org', 'a@example.org', at)).alreadyMerged).toBe(true);
    await expect(d.merge('a@example.org', ' A@example.org', at)).rejects.toBeInstanceOf(CustomerMergeError);
  });

  it('is written when the inbound use case opens a ticket', async () => {
    const customers = new MemoryCustomerDirectory();
    const store = new MemoryRawMailStore();
    const useCase = inboundUseCase({ customers, store });
    store.objects.set('inbound/help@example.com/o1', readFileSync(join(FIXTURES, 'refund-to-help.eml')));
    await useCase.execute({ key: 'inbound/help@example.com/o1', arrivedAt: at });
    expect(await customers.resolve('jane.doe@customer.example.org')).toMatchObject({ ticketIds: ['BIL-1001'] });
  });
});
