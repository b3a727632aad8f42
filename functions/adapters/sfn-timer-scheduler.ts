import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { timerExecutionName, type TimerPlan } from '../domain/timers';
import type { TimerScheduler } from '../ports';

/** What the timer state machine is started with: its Wait state reads `at`, its task gets the rest. */
export interface TimerExecutionInput {
  ticketId: string;
  generation: number;
  step: TimerPlan['step'];
  at: string;
}

const named = (err: unknown, name: string) => (err as { name?: string }).name === name;

/**
 * One execution of the ticket timer state machine per planned step, named `<ticket>-g<generation>-<step>`:
 * a retried start finds the running execution (same name, same input) or the finished one
 * (ExecutionAlreadyExists), and never runs a step twice.
 */
export class SfnTimerScheduler implements TimerScheduler {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async schedule(ticketId: string, plan: TimerPlan): Promise<void> {
    const input: TimerExecutionInput = { ticketId, generation: plan.generation, step: plan.step, at: plan.at };
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: timerExecutionName(ticketId, plan),
          input: JSON.stringify(input),
        }),
      );
    } catch (err) {
      if (err instanceof ExecutionAlreadyExists || named(err, 'ExecutionAlreadyExists')) return;
      throw err;
    }
  }

  async cancel(ticketId: string, plan: TimerPlan): Promise<void> {
    // arn:aws:states:<region>:<account>:stateMachine:<name> -> ...:execution:<name>:<execution>
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${timerExecutionName(ticketId, plan)}`;
    try {
      await this.client.send(
        new StopExecutionCommand({ executionArn, cause: 'superseded: the ticket changed and its timers moved' }),
      );
    } catch (err) {
      if (err instanceof ExecutionDoesNotExist || named(err, 'ExecutionDoesNotExist')) return;
      throw err;
    }
  }
}
