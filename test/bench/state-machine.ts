/**
 * State transitions of the timer, read from the synthesised definition: how many states one execution
 * enters. Step Functions Standard bills each state entered.
 */
interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
}

function definitionOf(resource: { Properties?: Record<string, unknown> }): {
  StartAt: string;
  States: Record<string, AslState>;
} {
  const raw = resource.Properties?.DefinitionString;
  const text =
    typeof raw === 'string'
      ? raw
      : ((raw as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join']?.[1] ?? [])
          .map((part) => (typeof part === 'string' ? part : 'arn:aws:placeholder'))
          .join('');
  return JSON.parse(text) as { StartAt: string; States: Record<string, AslState> };
}

function walk(states: Record<string, AslState>, start: string, escalate: boolean): number {
  let entered = 0;
  let name: string | undefined = start;
  const seen = new Set<string>();
  while (name && !seen.has(name)) {
    seen.add(name);
    const state: AslState = states[name];
    entered++;
    if (state.Type === 'Choice') name = escalate ? state.Choices?.[0]?.Next : state.Default;
    else if (state.End || state.Type === 'Succeed' || state.Type === 'Fail') name = undefined;
    else name = state.Next;
  }
  return entered;
}

/**
 * Transitions of one timer execution that runs its step (every Choice takes its Default: the step's
 * task succeeds), and of one stopped while it waits (it entered only the first state).
 */
export function timerTransitions(template: {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}): { step: number; stopped: number; machines: number } {
  const machines = Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length === 0) return { step: 0, stopped: 0, machines: 0 };
  const def = definitionOf(machines[0]);
  return { step: walk(def.States, def.StartAt, false), stopped: 1, machines: machines.length };
}
