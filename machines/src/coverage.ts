import type {
  AnyStateMachine,
  AnyStateNode,
  AnyTransitionDefinition,
  InspectionEvent,
} from 'xstate';

/**
 * Every transition of a machine, keyed by source state, event and guard branch (in order).
 * With `within` (a state path, 'Roaming'), only the transitions of that state and its
 * descendants: a sub-chart's own coverage.
 */
export function allTransitions(machine: AnyStateMachine, within?: string): string[] {
  const keys: string[] = [];
  const visit = (node: AnyStateNode) => {
    for (const [eventType, definitions] of node.transitions) {
      for (let i = 0; i < definitions.length; i++) keys.push(key(node.id, eventType, i));
    }
    for (const child of Object.values(node.states)) visit(child as AnyStateNode);
  };
  visit(nodeAt(machine, within));
  return keys;
}

/**
 * Every state of a machine by its path ('Up', 'Up.Owned'); history pseudo-states aside. With
 * `within` (a state path), only the states below that one.
 */
export function allStates(machine: AnyStateMachine, within?: string): string[] {
  const paths: string[] = [];
  const visit = (node: AnyStateNode, prefix: string) => {
    for (const [name, child] of Object.entries(node.states) as [string, AnyStateNode][]) {
      if (child.type === 'history') continue;
      paths.push(prefix + name);
      visit(child, `${prefix}${name}.`);
    }
  };
  visit(nodeAt(machine, within), within === undefined ? '' : `${within}.`);
  return paths;
}

function nodeAt(machine: AnyStateMachine, path: string | undefined): AnyStateNode {
  let node: AnyStateNode = machine.root;
  for (const name of path?.split('.') ?? []) {
    const child = node.states[name] as AnyStateNode | undefined;
    if (!child) throw new Error(`${machine.id} has no state ${path}`);
    node = child;
  }
  return node;
}

/** The paths of every state a snapshot value is in: {Up: 'Owned'} is 'Up' and 'Up.Owned'. */
export function statePaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix + value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([name, child]) => [
    prefix + name,
    ...statePaths(child, `${prefix}${name}.`),
  ]);
}

/**
 * Records which transitions and states the actors of one machine really took. Pass
 * `coverage.inspect` as an actor's (or a manager's) `inspect` option, then compare with
 * `allTransitions(machine)` and `allStates(machine)`: that is how netbearer's model-based tests
 * prove full coverage, and how an application can measure its own tests.
 */
export class Coverage {
  readonly transitions = new Set<string>();
  readonly states = new Set<string>();

  constructor(private readonly machineId: string) {}

  /** What of `machine` was not taken yet. */
  missing(machine: AnyStateMachine): { states: string[]; transitions: string[] } {
    return {
      states: allStates(machine).filter((s) => !this.states.has(s)),
      transitions: allTransitions(machine).filter((t) => !this.transitions.has(t)),
    };
  }

  readonly inspect = (event: InspectionEvent): void => {
    if (event.type !== '@xstate.microstep') return;
    const snapshot = event.snapshot as { value?: unknown; machine?: { id?: string } };
    if (snapshot.machine?.id !== this.machineId) return;
    for (const path of statePaths(snapshot.value)) this.states.add(path);
    for (const t of event._transitions as AnyTransitionDefinition[]) {
      const branches = t.source.transitions.get(t.eventType) ?? [];
      this.transitions.add(key(t.source.id, t.eventType, branches.indexOf(t)));
    }
  };

  /** Also counts the state an actor starts or is bound in (no microstep leads there). */
  sawState(value: unknown): void {
    for (const path of statePaths(value)) this.states.add(path);
  }
}

function key(source: string, eventType: string, branch: number): string {
  return `${source} --${eventType}[${branch}]`;
}
