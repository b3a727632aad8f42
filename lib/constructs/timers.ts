import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  Fail,
  JitterType,
  JsonPath,
  LogLevel,
  QueryLanguage,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledge, nagRef } from '../nag';

/**
 * State names of the ticket timer. They are a contract: the local stack overrides the waits by state
 * name, and operators read them in execution histories.
 */
export const TIMER_STATES = {
  wait: 'WaitForFirstResponseDue',
  check: 'CheckTicket',
  choice: 'StillUnanswered',
  nothingToDo: 'NothingToDo',
  escalate: 'EscalateToLead',
  escalated: 'Escalated',
  failed: 'TimerFailed',
} as const;

/** Properties of {@link Timers}. */
export interface TimersProps {
  /** The timer function (actions `check` and `escalate`). */
  readonly timerFunction: IFunction;
  /**
   * Retention of the state machine's execution log.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
}

/**
 * The ticket timer: a Standard state machine (JSONPath) started per ticket with
 * `{ticketId, dueAt}` under the execution name `<ticketId>-first-response`. It waits until the
 * promised first-response time, re-checks the ticket, and escalates to the department lead only if
 * the ticket is still unanswered and not yet escalated.
 */
export class Timers extends Construct {
  /** The state machine. */
  readonly stateMachine: StateMachine;
  /** Its execution log group. */
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: TimersProps) {
    super(scope, id);

    const failed = new Fail(this, TIMER_STATES.failed, {
      comment: 'The timer function failed after its retries; the ticket itself is unchanged.',
    });
    const withRetryAndCatch = (task: LambdaInvoke): LambdaInvoke => {
      task.addRetry({
        errors: [Errors.TASKS_FAILED],
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxAttempts: 4,
        maxDelay: Duration.seconds(60),
        jitterStrategy: JitterType.FULL,
      });
      task.addCatch(failed, { errors: [Errors.ALL], resultPath: '$.error' });
      return task;
    };

    const wait = new Wait(this, TIMER_STATES.wait, { time: WaitTime.timestampPath('$.dueAt') });
    const check = withRetryAndCatch(
      new LambdaInvoke(this, TIMER_STATES.check, {
        lambdaFunction: props.timerFunction,
        // Calls the function ARN directly (the local stack maps it to the handler) and returns its result as is.
        payloadResponseOnly: true,
        payload: TaskInput.fromObject({ action: 'check', ticketId: JsonPath.stringAt('$.ticketId') }),
        resultPath: '$.check',
      }),
    );
    const escalate = withRetryAndCatch(
      new LambdaInvoke(this, TIMER_STATES.escalate, {
        lambdaFunction: props.timerFunction,
        payloadResponseOnly: true,
        payload: TaskInput.fromObject({ action: 'escalate', ticketId: JsonPath.stringAt('$.ticketId') }),
        resultPath: '$.escalation',
      }),
    );
    const stillUnanswered = new Choice(this, TIMER_STATES.choice)
      .when(
        Condition.and(Condition.booleanEquals('$.check.answered', false), Condition.booleanEquals('$.check.escalated', false)),
        escalate.next(new Succeed(this, TIMER_STATES.escalated)),
      )
      .otherwise(new Succeed(this, TIMER_STATES.nothingToDo));

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      queryLanguage: QueryLanguage.JSON_PATH,
      comment: 'Ticket timer: wait for the first-response due time, then escalate if still unanswered',
      definitionBody: DefinitionBody.fromChainable(wait.next(check).next(stillUnanswered)),
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: LogLevel.ALL,
        // State inputs and outputs stay out of the log: they carry ticket data (the check result,
        // error causes that may quote customer content). The execution history still shows them.
        includeExecutionData: false,
      },
    });

    const defaultPolicy = this.stateMachine.role.node.findChild('DefaultPolicy');
    acknowledge(
      defaultPolicy,
      {
        id: `AwsSolutions-IAM5[Resource::${nagRef(props.timerFunction, 'Arn')}:*]`,
        reason:
          'Added by LambdaInvoke: invoking the timer function under any version or alias qualifier of that one function, nothing else.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only the statements Step Functions needs for its execution log (logs:CreateLogDelivery, GetLogDelivery, ...) ' +
          'and X-Ray tracing (xray:PutTraceSegments, ...): neither API supports resource-level permissions.',
      },
    );
  }
}
