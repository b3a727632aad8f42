import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoTicketRepository } from '../../functions/adapters/dynamo-ticket-repository';
import type { TicketMessage } from '../../functions/domain/ticket';

const ddb = mockClient(DynamoDBDocumentClient);
const repository = new DynamoTicketRepository(
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
  'Tickets',
  ['billing'],
);
const message: TicketMessage = {
  ticketId: 'BIL-1001',
  direction: 'out',
  kind: 'ack',
  at: '2026-11-23T10:15:04.000Z',
  from: 'billing@example.com',
  to: ['jane@customer.example.org'],
  cc: [],
  subject: 'Re: refund',
  text: 'Thanks',
  textTruncated: false,
  messageId: '<Abc@Email.AmazonSES.com>',
  attachments: [],
};

afterAll(() => ddb.restore());
beforeEach(() => ddb.reset());

describe('DynamoTicketRepository.addMessageWithIds', () => {
  it('writes the message and its Message-ID index items in one BatchWriteItem, as addMessage and indexMessageId would', async () => {
    ddb.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
    await repository.addMessageWithIds(message, [
      '<Abc@Email.AmazonSES.com>',
      '<bil-1001.ack.1@example.com>',
      '<abc@email.amazonses.com>',
    ]);
    const calls = ddb.commandCalls(BatchWriteCommand);
    expect(calls).toHaveLength(1);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
    const items = calls[0].args[0].input.RequestItems!.Tickets.map((r) => r.PutRequest!.Item);
    expect(items).toEqual([
      { pk: 'TICKET#BIL-1001', sk: 'MSG#2026-11-23T10:15:04.000Z#ack#<Abc@Email.AmazonSES.com>', ...message },
      // the same Message-ID in two spellings is one item
      { pk: 'MSGID#<abc@email.amazonses.com>', sk: 'MSGID', ticketId: 'BIL-1001' },
      { pk: 'MSGID#<bil-1001.ack.1@example.com>', sk: 'MSGID', ticketId: 'BIL-1001' },
    ]);
  });

  it('sends again what DynamoDB left unprocessed (throttled), and only that', async () => {
    const left = [{ PutRequest: { Item: { pk: 'MSGID#<x@y>', sk: 'MSGID', ticketId: 'BIL-1001' } } }];
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { Tickets: left } })
      .resolves({ UnprocessedItems: {} });
    await repository.addMessageWithIds(message, ['<x@y>']);
    const calls = ddb.commandCalls(BatchWriteCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1].args[0].input.RequestItems!.Tickets).toEqual(left);
  });

  it('gives up with a clear error when writes stay unprocessed', async () => {
    const left = [{ PutRequest: { Item: { pk: 'MSGID#<x@y>', sk: 'MSGID', ticketId: 'BIL-1001' } } }];
    ddb.on(BatchWriteCommand).resolves({ UnprocessedItems: { Tickets: left } });
    jest.useFakeTimers();
    try {
      const outcome = expect(repository.addMessageWithIds(message, ['<x@y>'])).rejects.toThrow(
        /1 of the writes of a message of BIL-1001 stayed unprocessed/,
      );
      await jest.runAllTimersAsync(); // the pauses between rounds
      await outcome;
    } finally {
      jest.useRealTimers();
    }
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(6);
  });
});
