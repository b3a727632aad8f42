import { ArnFormat, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
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
 * State names of the ticket timer. They are a contract: operators read them in execution histories,
 * and the local stack scales the Wait by reading `$.at` from the execution input.
 */
export const TIMER_STATES = {
  wait: 'WaitUntilStepDue',
  run: 'RunTimerStep',
  done: 'StepDone',
  recordFailure: 'RecordTimerFailure',
  failed: 'TimerFailed',
} as const;

/** Properties of {@link Timers}. */
export interface TimersProps {
  /** The timer function (actions `run` and `record-failure`). */
  readonly timerFunction: IFunction;
  /**
   * Retention of the state machine's execution log.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
}

/**
 * The ticket timer: a Standard state machine (JSONPath) started once per planned step with
 * `{ticketId, generation, step, at}` under the name `<ticket>-g<generation>-<step>`. It waits until
 * `at`, then runs the step; the step re-reads the ticket, acts only if its generation is current and
 * the ticket still waits for it, and starts the next step's execution itself. A step that fails after
 * its retries is recorded on the ticket and fails the execution (the failed-executions alarm).
 *
 * The state machine has a fixed name, so its ARN is known before it exists: the timer function,
 * which the definition invokes, may start executions of it without a dependency cycle.
 */
export class Timers extends Construct {
  /** The state machine. */
  readonly stateMachine: StateMachine;
  /** Its execution log group. */
  readonly logGroup: LogGroup;
  /** The state machine's ARN, built from its fixed name (no reference to the resource). */
  readonly stateMachineArn: string;
  /** The ARN pattern of its executions (for states:StopExecution). */
  readonly executionArnPattern: string;

  constructor(scope: Construct, id: string, props: TimersProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // `AWS::StackName` in the name: staging and production stacks get their own state machines.
    const stateMachineName = `${Aws.STACK_NAME}-ticket-timer`;
    this.stateMachineArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.executionArnPattern = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    const failed = new Fail(this, TIMER_STATES.failed, {
      comment:
        'A timer step failed after its retries; the failure is recorded on the ticket and the failed-executions alarm fires.',
    });
    const step = {
      ticketId: JsonPath.stringAt('$.ticketId'),
      generation: JsonPath.numberAt('$.generation'),
      step: JsonPath.stringAt('$.step'),
    };
    const retry = (task: LambdaInvoke, maxAttempts: number): LambdaInvoke => {
      task.addRetry({
        errors: [Errors.TASKS_FAILED],
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxAttempts,
        maxDelay: Duration.seconds(60),
        jitterStrategy: JitterType.FULL,
      });
      return task;
    };

    const wait = new Wait(this, TIMER_STATES.wait, { time: WaitTime.timestampPath('$.at') });
    const recordFailure = retry(
      new LambdaInvoke(this, TIMER_STATES.recordFailure, {
        lambdaFunction: props.timerFunction,
        payloadResponseOnly: true,
        payload: TaskInput.fromObject({
          action: 'record-failure',
          ...step,
          error: JsonPath.stringAt('$.error.Error'),
          cause: JsonPath.stringAt('$.error.Cause'),
        }),
        resultPath: '$.recorded',
      }),
      2,
    );
    recordFailure.addCatch(failed, { errors: [Errors.ALL], resultPath: '$.recordError' });
    const run = retry(
      new LambdaInvoke(this, TIMER_STATES.run, {
        lambdaFunction: props.timerFunction,
        // Calls the function ARN directly (the local stack maps it to the handler) and returns its result as is.
        payloadResponseOnly: true,
        payload: TaskInput.fromObject({ action: 'run', ...step }),
        resultPath: '$.result',
      }),
      5,
    );
    run.addCatch(recordFailure.next(failed), { errors: [Errors.ALL], resultPath: '$.error' });

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      queryLanguage: QueryLanguage.JSON_PATH,
      comment:
        'Ticket timer: wait until the planned time, then run one step (warn, escalate, follow-up, auto-close, survey)',
      definitionBody: DefinitionBody.fromChainable(wait.next(run).next(new Succeed(this, TIMER_STATES.done))),
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: LogLevel.ALL,
        // State inputs and outputs stay out of the log: they carry ticket data (step results,
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
