import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoTicketRepository } from '../../functions/adapters/dynamo-ticket-repository';
import type { Ticket } from '../../functions/domain/ticket';
import { MemoryTicketRepository } from '../support/in-memory';
import { conditionFailed } from '../support/dynamo';
import { aTicket } from '../support/tickets';

/** The operator actions of `triage close|assign|priority`: new TicketRepository methods. */

const ticket: Ticket = aTicket({ version: 3 });
const stored = (t: Partial<Ticket> = {}) => ({
  pk: 'TICKET#BIL-1001',
  sk: 'TICKET',
  gsi1pk: 'billing#open',
  gsi1sk: ticket.dueAt,
  ...ticket,
  ...t,
});

describe('DynamoTicketRepository operator updates', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const repo = new DynamoTicketRepository(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    'Tickets',
    ['billing'],
  );
  const at = new Date('2026-11-24T10:00:00Z');
  beforeEach(() => ddb.reset());

  it('closes: moves the ticket to <department>#closed in the index, sets closedAt, bumps the version, returns the new ticket', async () => {
    ddb.on(GetCommand).resolves({ Item: stored() });
    ddb.on(UpdateCommand).resolves({
      Attributes: stored({
        status: 'closed',
        closedAt: at.toISOString(),
        version: 4,
        gsi1pk: 'billing#closed',
      } as Partial<Ticket>),
    });
    const updated = await repo.updateTicketStatus('BIL-1001', 'closed', at);
    expect(updated).toMatchObject({ id: 'BIL-1001', status: 'closed', closedAt: at.toISOString(), version: 4 });
    expect(updated).not.toHaveProperty('gsi1pk');
    const input = ddb.commandCalls(UpdateCommand)[0].args[0].input;
    expect(input).toMatchObject({
      TableName: 'Tickets',
      Key: { pk: 'TICKET#BIL-1001', sk: 'TICKET' },
      UpdateExpression: 'SET #status = :status, gsi1pk = :gsi1pk, version = version + :one, closedAt = :at',
      ConditionExpression: 'attribute_exists(pk) AND department = :department',
      ExpressionAttributeValues: {
        ':status': 'closed',
        ':gsi1pk': 'billing#closed',
        ':department': 'billing',
        ':one': 1,
        ':at': at.toISOString(),
      },
      ReturnValues: 'ALL_NEW',
    });
  });

  it('reopens: removes closedAt', async () => {
    ddb.on(GetCommand).resolves({ Item: stored({ status: 'closed' }) });
    ddb.on(UpdateCommand).resolves({ Attributes: stored({ version: 4 }) });
    await repo.updateTicketStatus('BIL-1001', 'open', at);
    expect(ddb.commandCalls(UpdateCommand)[0].args[0].input.UpdateExpression).toBe(
      'SET #status = :status, gsi1pk = :gsi1pk, version = version + :one REMOVE closedAt',
    );
  });

  it('returns undefined for a ticket that does not exist, and retries when the department changed meanwhile', async () => {
    ddb.on(GetCommand).resolvesOnce({}).resolves({ Item: stored() });
    expect(await repo.updateTicketStatus('BIL-9999', 'closed', at)).toBeUndefined();
    ddb
      .on(UpdateCommand)
      .rejectsOnce(conditionFailed())
      .resolves({ Attributes: stored({ status: 'closed', version: 4 }) });
    expect(await repo.updateTicketStatus('BIL-1001', 'closed', at)).toMatchObject({ status: 'closed' });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(2);
  });

  it('assigns and sets the priority only on an existing ticket', async () => {
    ddb
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: stored({ assignee: 'ana@agents.example.com', version: 4 }) })
      .rejects(conditionFailed());
    expect(await repo.assignTicket('BIL-1001', 'ana@agents.example.com')).toMatchObject({
      assignee: 'ana@agents.example.com',
      version: 4,
    });
    expect(await repo.setTicketPriority('BIL-9999', 'urgent')).toBeUndefined();
    const [assign, priority] = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(assign).toMatchObject({
      UpdateExpression: 'SET assignee = :agent, version = version + :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':agent': 'ana@agents.example.com', ':one': 1 },
    });
    expect(priority).toMatchObject({
      Key: { pk: 'TICKET#BIL-9999', sk: 'TICKET' },
      UpdateExpression: 'SET priority = :priority, version = version + :one',
      ExpressionAttributeValues: { ':priority': 'urgent', ':one': 1 },
    });
  });
});

describe('MemoryTicketRepository operator updates (same contract)', () => {
  it('changes status, assignee and priority, bumps the version, lists by the new status', async () => {
    const repo = new MemoryTicketRepository();
    await repo.createTicket(ticket);
    const closed = await repo.updateTicketStatus('BIL-1001', 'closed', new Date('2026-11-24T10:00:00Z'));
    expect(closed).toMatchObject({ status: 'closed', closedAt: '2026-11-24T10:00:00.000Z', version: 4 });
    expect((await repo.listTickets({ status: 'closed' })).map((t) => t.id)).toEqual(['BIL-1001']);
    expect(await repo.listTickets({ status: 'open' })).toEqual([]);
    expect(await repo.updateTicketStatus('BIL-1001', 'open', new Date())).not.toHaveProperty('closedAt');
    expect(await repo.assignTicket('BIL-1001', 'ben@agents.example.com')).toMatchObject({
      assignee: 'ben@agents.example.com',
      version: 6,
    });
    expect(await repo.setTicketPriority('BIL-1001', 'high')).toMatchObject({ priority: 'high', version: 7 });
    expect(await repo.setTicketPriority('BIL-9999', 'high')).toBeUndefined();
    expect(await repo.assignTicket('BIL-9999', 'x@y.z')).toBeUndefined();
    expect(await repo.updateTicketStatus('BIL-9999', 'closed', new Date())).toBeUndefined();
  });
});
