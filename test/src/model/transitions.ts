import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition, InspectionEvent } from 'xstate';

/** Every transition of a machine, keyed by source state, event and guard branch. */
export function allTransitions(machine: AnyStateMachine): string[] {
  const keys: string[] = [];
  const visit = (node: AnyStateNode) => {
    for (const [eventType, definitions] of node.transitions) {
      definitions.forEach((_, i) => keys.push(key(node.id, eventType, i)));
    }
    for (const child of Object.values(node.states)) visit(child as AnyStateNode);
  };
  visit(machine.root);
  return keys;
}

export function allStates(machine: AnyStateMachine): string[] {
  return Object.keys(machine.root.states);
}

/** Records which transitions and states a running actor really took. */
export class Coverage {
  readonly transitions = new Set<string>();
  readonly states = new Set<string>();

  constructor(private readonly machineId: string) {}

  readonly inspect = (event: InspectionEvent): void => {
    if (event.type !== '@xstate.microstep') return;
    const snapshot = event.snapshot as { value?: unknown; machine?: { id?: string } };
    if (snapshot.machine?.id !== this.machineId) return;
    if (typeof snapshot.value === 'string') this.states.add(snapshot.value);
    for (const t of event._transitions as AnyTransitionDefinition[]) {
      const branches = t.source.transitions.get(t.eventType) ?? [];
      this.transitions.add(key(t.source.id, t.eventType, branches.indexOf(t)));
    }
  };

  /** Also counts the state an actor starts or is bound in (no microstep leads there). */
  sawState(value: string): void {
    this.states.add(value);
  }
}

function key(source: string, eventType: string, branch: number): string {
  return `${source} --${eventType}[${branch}]`;
}
