import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Ticket } from '../domain/ticket';
import type { TimerScheduler } from '../ports';

/** Starts the ticket timer state machine; the execution name is derived from the ticket, so a retry cannot start a second one. */
export class SfnTimerScheduler implements TimerScheduler {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async startFirstResponseTimer(ticket: Pick<Ticket, 'id' | 'dueAt'>): Promise<void> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: `${ticket.id}-first-response`,
          input: JSON.stringify({ ticketId: ticket.id, dueAt: ticket.dueAt }),
        }),
      );
    } catch (err) {
      if (err instanceof ExecutionAlreadyExists || (err as { name?: string }).name === 'ExecutionAlreadyExists') return;
      throw err;
    }
  }
}
