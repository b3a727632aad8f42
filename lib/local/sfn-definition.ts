import type { LocalResources } from './cfn';

/**
 * The state machines of the synthesised template, ready for aws-local-stepfunctions: the
 * DefinitionString with intrinsics resolved to local names (and DefinitionSubstitutions applied), and
 * for every Task state the local function it calls. Task resources are either a Lambda function ARN
 * (CDK `LambdaInvoke` with `payloadResponseOnly: true`, what lib/constructs/timers.ts uses) or the
 * `arn:aws:states:::lambda:invoke` integration with `Parameters.FunctionName`.
 */

export type AslState = Record<string, unknown> & { Type: string };
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
  [key: string]: unknown;
}

export interface TaskTarget {
  /** logical id of the function (undefined: a resource the local stack cannot run) */
  functionLogicalId?: string;
  /** `direct`: the resource is the function ARN; `invoke`: the lambda:invoke integration (input `{FunctionName, Payload}`) */
  mode: 'direct' | 'invoke' | 'unsupported';
  resource: string;
}

export interface LocalStateMachine {
  logicalId: string;
  name: string;
  arn: string;
  definition: AslDefinition;
  /** Task targets by state name (state names are unique across the machine, nested ones included) */
  tasks: Record<string, TaskTarget>;
  /** Wait states by name */
  waits: Record<string, AslState>;
  /** states with a Retry field, by name */
  retries: Record<string, AslState>;
}

/** Every state of a definition, including those of Parallel branches and Map processors. */
export function allStates(definition: { States: Record<string, AslState> }): [string, AslState][] {
  const out: [string, AslState][] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    out.push([name, state]);
    for (const branch of (state.Branches as AslDefinition[] | undefined) ?? []) out.push(...allStates(branch));
    const inner = (state.ItemProcessor ?? state.Iterator) as AslDefinition | undefined;
    if (inner) out.push(...allStates(inner));
  }
  return out;
}

const functionArnOf = (arn: string) => /^(arn:aws:lambda:[^:]+:[^:]+:function:[^:]+)/.exec(arn)?.[1];

export function localStateMachines(resources: LocalResources, functionLogicalIds: string[]): LocalStateMachine[] {
  const byArn = new Map(functionLogicalIds.map((id) => [resources.arn(id), id]));
  for (const id of [...byArn.values()]) byArn.set(resources.name(id), id);
  return resources.ofType('AWS::StepFunctions::StateMachine').map((logicalId) => {
    const props = resources.resource(logicalId).Properties ?? {};
    if (props.DefinitionString === undefined) {
      throw new Error(
        `state machine ${logicalId}: only DefinitionString is supported locally (got ${Object.keys(props).join(', ')})`,
      );
    }
    let text = String(resources.resolve(props.DefinitionString));
    const substitutions = (resources.resolve(props.DefinitionSubstitutions ?? {}) as Record<string, unknown>) ?? {};
    for (const [key, value] of Object.entries(substitutions)) text = text.split(`\${${key}}`).join(String(value));
    const definition = JSON.parse(text) as AslDefinition;
    const tasks: Record<string, TaskTarget> = {};
    const waits: Record<string, AslState> = {};
    const retries: Record<string, AslState> = {};
    for (const [name, state] of allStates(definition)) {
      if (state.Type === 'Wait') waits[name] = state;
      if (Array.isArray(state.Retry)) retries[name] = state;
      if (state.Type !== 'Task') continue;
      const resource = String(state.Resource);
      const direct = functionArnOf(resource);
      if (direct) {
        tasks[name] = { mode: 'direct', resource, functionLogicalId: byArn.get(direct) };
      } else if (/^arn:aws:states:::lambda:invoke$/.test(resource)) {
        const fnName = String((state.Parameters as Record<string, unknown> | undefined)?.FunctionName ?? '');
        tasks[name] = { mode: 'invoke', resource, functionLogicalId: byArn.get(functionArnOf(fnName) ?? fnName) };
      } else {
        tasks[name] = { mode: 'unsupported', resource };
      }
      if (tasks[name].mode !== 'unsupported' && !tasks[name].functionLogicalId) tasks[name].mode = 'unsupported';
    }
    return {
      logicalId,
      name: resources.name(logicalId),
      arn: resources.arn(logicalId),
      definition,
      tasks,
      waits,
      retries,
    };
  });
}
