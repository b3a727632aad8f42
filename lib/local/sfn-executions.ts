import './polyfills';
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { ExecutionAbortedError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import type { Activity } from './activity';
import { AwsError } from './aws-json-endpoint';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './cfn';
import type { LocalLambda } from './lambda-runtime';
import type { LocalStateMachine } from './sfn-definition';
import { type ExecutionRecord, ExecutionFile, type ExecutionStatus } from './sfn-execution-file';
import { formatDuration, MAX_TIMER_MS, scaledRetryIntervals, scaledWaitMs } from './sfn-time-scale';

/**
 * Step Functions executions, run in-process with aws-local-stepfunctions on the SAME definition the
 * CDK stack deploys. Task states call the local handler modules; Wait states are shortened by the time
 * scale (sfn-time-scale.ts) through `waitTimeOverrides`, evaluated when the Wait state is entered
 * (getters: the library reads the override only then). The definitions are validated once, at start.
 *
 * Names are unique per state machine, as in AWS: StartExecution with an existing name returns the same
 * executionArn when the input is identical and the execution is still RUNNING, and ExecutionAlreadyExists
 * otherwise.
 *
 * Persistence: every execution is recorded in `<stateDir>/executions.json`; on start, executions still
 * RUNNING (the stack was stopped while they waited) are run again FROM THE START with their original
 * input. With the ticket timer's definition (lib/constructs/timers.ts: Wait first, then tasks that re-check the ticket) that resumes
 * the timer where it was: the remaining wait is computed again from the due time. A definition that
 * does work before its first Wait would repeat that work on resume.
 */

export type { ExecutionRecord, ExecutionStatus } from './sfn-execution-file';

interface RunHandle {
  abort(): void;
  /** why the run is being aborted: a StopExecution, the stack stopping, or a wait too long for one timer */
  abortReason?: 'stop' | 'shutdown' | 'rearm';
  busyEnd?: () => void;
  waitTimer?: NodeJS.Timeout;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: Step Functions refuses control characters in a name
const NAME_PATTERN = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

export class Executions extends EventEmitter {
  private readonly records = new Map<string, ExecutionRecord>();
  private readonly runs = new Map<string, RunHandle>();
  private readonly machines: Map<string, LocalStateMachine>;
  private readonly compiled = new Map<string, StateMachine>();
  private readonly foreign: ExecutionRecord[] = [];
  private stopping = false;
  private readonly file?: ExecutionFile;

  constructor(
    private readonly options: {
      machines: LocalStateMachine[];
      lambda: LocalLambda;
      activity: Activity;
      timeScale: number;
      /** executions.json; omit to keep executions in memory only */
      file?: string;
      log: (line: string) => void;
      verbose?: boolean;
    },
  ) {
    super();
    this.machines = new Map(options.machines.map((m) => [m.arn, m]));
    if (options.file) {
      this.file = new ExecutionFile(options.file, () => [...this.foreign, ...this.records.values()], options.log);
      for (const r of this.file.read()) {
        if (this.machines.has(r.stateMachineArn)) this.records.set(r.executionArn, r);
        else this.foreign.push(r); // of a state machine the stack no longer has: kept in the file, not run
      }
    }
  }

  get machineList(): LocalStateMachine[] {
    return [...this.machines.values()];
  }

  /** Validates every definition now (a few hundred ms each) instead of at the first StartExecution; reports problems. */
  warm(): void {
    for (const m of this.machines.values()) {
      try {
        this.stateMachine(m);
      } catch (err) {
        this.options.log(`warning: state machine ${m.name} does not validate locally: ${(err as Error).message}`);
      }
    }
  }

  /** Runs again the executions that were RUNNING when the stack last stopped. */
  resumePending(): number {
    const pending = [...this.records.values()].filter((r) => r.status === 'RUNNING');
    for (const r of pending) this.run(r, true);
    return pending.length;
  }

  get runningCount(): number {
    return [...this.records.values()].filter((r) => r.status === 'RUNNING').length;
  }

  machine(arn: string): LocalStateMachine {
    const m = this.machines.get(arn);
    if (!m) throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return m;
  }

  start(
    stateMachineArn: string,
    name: string | undefined,
    input: string | undefined,
  ): { executionArn: string; startDate: number; existing: boolean } {
    const machine = this.machine(stateMachineArn);
    const execName = name ?? randomUUID();
    if (!NAME_PATTERN.test(execName)) throw new AwsError('InvalidName', `Invalid Name: '${execName}'`);
    const inputText = input ?? '{}';
    try {
      JSON.parse(inputText);
    } catch {
      throw new AwsError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${inputText.slice(0, 100)}'`,
      );
    }
    const executionArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${machine.name}:${execName}`;
    const existing = this.records.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === inputText)
        return { executionArn, startDate: existing.startDate, existing: true };
      throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    if (this.stopping) throw new AwsError('ServiceUnavailable', 'the local stack is stopping', 503);
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn,
      name: execName,
      status: 'RUNNING',
      input: inputText,
      startDate: Date.now(),
    };
    this.records.set(executionArn, record);
    this.file?.changed();
    this.run(record, false);
    return { executionArn, startDate: record.startDate, existing: false };
  }

  describe(executionArn: string): ExecutionRecord {
    const r = this.records.get(executionArn);
    if (!r) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return r;
  }

  list(stateMachineArn: string, statusFilter?: string): ExecutionRecord[] {
    this.machine(stateMachineArn);
    return [...this.records.values()]
      .filter((r) => r.stateMachineArn === stateMachineArn && (!statusFilter || r.status === statusFilter))
      .sort((a, b) => b.startDate - a.startDate);
  }

  stopExecution(executionArn: string, error?: string, cause?: string): number {
    const r = this.describe(executionArn);
    if (r.status !== 'RUNNING') return r.stopDate ?? Date.now();
    const handle = this.runs.get(executionArn);
    this.finish(r, 'ABORTED', { error, cause });
    if (handle) {
      handle.abortReason = 'stop';
      clearTimeout(handle.waitTimer);
      handle.busyEnd?.();
      this.runs.delete(executionArn);
      handle.abort();
    }
    return r.stopDate!;
  }

  /** Aborts every run (they stay RUNNING in executions.json and resume on the next start). */
  shutdown(): void {
    this.stopping = true;
    for (const handle of this.runs.values()) {
      handle.abortReason = 'shutdown';
      clearTimeout(handle.waitTimer);
      handle.busyEnd?.();
      handle.abort();
    }
    this.runs.clear();
    this.file?.close();
  }

  private finish(
    r: ExecutionRecord,
    status: ExecutionStatus,
    extra: { output?: string; error?: string; cause?: string },
  ): void {
    if (r.status !== 'RUNNING') return;
    Object.assign(
      r,
      { status, stopDate: Date.now() },
      Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)),
    );
    this.file?.changed();
    const label = this.label(r);
    this.options.log(`${label}  ${status}${r.error ? ` ${r.error}${r.cause ? `: ${r.cause}` : ''}` : ''}`);
    this.emit('execution', r);
  }

  private label(r: ExecutionRecord): string {
    return `sfn  ${r.name}`;
  }

  private run(r: ExecutionRecord, resumed: boolean): void {
    const machine = this.machine(r.stateMachineArn);
    const { lambda, activity, timeScale, log } = this.options;
    const input = JSON.parse(r.input);
    const handle: RunHandle = { abort: () => undefined, busyEnd: activity.begin() };
    this.runs.set(r.executionArn, handle);

    const taskResourceLocalHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [stateName, target] of Object.entries(machine.tasks)) {
      taskResourceLocalHandlers[stateName] = async (taskInput: unknown) => {
        if (target.mode === 'unsupported' || !target.functionLogicalId) {
          const err = new Error(`the local stack cannot run the task resource ${target.resource}`);
          err.name = 'States.TaskFailed';
          throw err;
        }
        const label = `${r.name} ${stateName}`;
        if (target.mode === 'direct') return lambda.invoke(target.functionLogicalId, taskInput, label);
        const payload = (taskInput as { Payload?: unknown } | null)?.Payload ?? {};
        const result = await lambda.invoke(target.functionLogicalId, payload, label);
        return {
          ExecutedVersion: '$LATEST',
          Payload: result,
          StatusCode: 200,
          SdkHttpMetadata: { HttpStatusCode: 200 },
        };
      };
    }

    const waitTimeOverrides: Record<string, number> = {};
    for (const [stateName, state] of Object.entries(machine.waits)) {
      Object.defineProperty(waitTimeOverrides, stateName, {
        enumerable: true,
        get: () => {
          const ms = scaledWaitMs(state, input, timeScale);
          if (ms === undefined) {
            log(
              `${this.label(r)}  ${stateName}: cannot read the wait time from the execution input; waiting in real time`,
            );
            return undefined;
          }
          if (ms > MAX_TIMER_MS) {
            // too long for one setTimeout: stop this run and start it again closer to the time
            handle.abortReason = 'rearm';
            const rearm = (left: number) => {
              handle.waitTimer = setTimeout(
                () =>
                  left > MAX_TIMER_MS
                    ? rearm(left - MAX_TIMER_MS)
                    : r.status === 'RUNNING' && this.runs.get(r.executionArn) === handle && this.run(r, true),
                Math.min(left, MAX_TIMER_MS),
              );
            };
            rearm(ms - MAX_TIMER_MS / 2);
            queueMicrotask(() => handle.abort()); // the run may still be inside run(): abort once it returned
            handle.busyEnd?.();
            handle.busyEnd = undefined;
            return MAX_TIMER_MS; // a sleep the abort ends at once
          }
          log(
            `${this.label(r)}  ${stateName} ${formatDuration(ms * timeScale)}${timeScale !== 1 ? ` -> ${formatDuration(ms)} at x${timeScale}` : ''}`,
          );
          if (ms > 0) {
            handle.busyEnd?.();
            handle.busyEnd = undefined;
            handle.waitTimer = setTimeout(() => {
              if (this.runs.get(r.executionArn) === handle) handle.busyEnd = activity.begin();
            }, ms);
          }
          return ms;
        },
      });
    }

    const retryIntervalOverrides: Record<string, number[]> = {};
    if (timeScale !== 1)
      for (const [stateName, state] of Object.entries(machine.retries))
        retryIntervalOverrides[stateName] = scaledRetryIntervals(state, timeScale);

    if (!resumed) log(`${this.label(r)}  started ${r.input.length > 120 ? `${r.input.slice(0, 117)}...` : r.input}`);
    else log(`${this.label(r)}  resumed (started ${new Date(r.startDate).toISOString()})`);
    this.emit('execution', r);

    let execution: ReturnType<StateMachine['run']>;
    try {
      execution = this.stateMachine(machine).run(input, {
        overrides: {
          taskResourceLocalHandlers: taskResourceLocalHandlers as never,
          waitTimeOverrides,
          retryIntervalOverrides,
        },
        context: {
          Execution: {
            Id: r.executionArn,
            Input: input,
            Name: r.name,
            StartTime: new Date(r.startDate).toISOString(),
            RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local`,
          },
          StateMachine: { Id: machine.arn, Name: machine.name },
        },
      });
    } catch (err) {
      handle.busyEnd?.();
      this.runs.delete(r.executionArn);
      this.finish(r, 'FAILED', { error: 'States.Runtime', cause: (err as Error).message });
      return;
    }
    handle.abort = execution.abort;
    if (this.options.verbose) {
      void (async () => {
        for await (const e of execution.eventLogs) {
          if (e.type === 'StateEntered') log(`${this.label(r)}  -> ${(e as { state: { name: string } }).state.name}`);
          if (e.type.startsWith('Execution') && e.type !== 'ExecutionStarted') break;
        }
      })().catch(() => undefined);
    }
    execution.result.then(
      (output) => this.settle(r, handle, () => this.finish(r, 'SUCCEEDED', { output: JSON.stringify(output ?? null) })),
      (err: Error) =>
        this.settle(r, handle, () => {
          if (err instanceof ExecutionAbortedError) return; // stopped, shut down or re-armed: the record says which
          if (err instanceof ExecutionTimeoutError) return this.finish(r, 'TIMED_OUT', { error: 'States.Timeout' });
          const cause = (err as Error & { cause?: Error }).cause ?? err;
          // a Fail state without Error/Cause: AWS reports none (the library fills in its own defaults)
          const failState = cause.name === 'FailStateError';
          this.finish(r, 'FAILED', {
            error: failState ? undefined : cause.name,
            cause:
              failState && cause.message === 'Execution failed because of a Fail state' ? undefined : cause.message,
          });
        }),
    );
  }

  /** One validated StateMachine per definition (validation takes a few hundred ms; runs reuse it). */
  private stateMachine(machine: LocalStateMachine): StateMachine {
    let sm = this.compiled.get(machine.arn);
    if (!sm) {
      const definition = structuredClone(machine.definition);
      // the execution timeout is a wait too
      if (typeof definition.TimeoutSeconds === 'number')
        definition.TimeoutSeconds = definition.TimeoutSeconds / this.options.timeScale;
      sm = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
      this.compiled.set(machine.arn, sm);
    }
    return sm;
  }

  private settle(r: ExecutionRecord, handle: RunHandle, then: () => void): void {
    if (handle.abortReason === 'rearm') return; // a new run starts later, same record
    clearTimeout(handle.waitTimer);
    handle.busyEnd?.();
    handle.busyEnd = undefined;
    if (this.runs.get(r.executionArn) === handle) this.runs.delete(r.executionArn);
    if (handle.abortReason === 'shutdown') return;
    then();
  }
}
