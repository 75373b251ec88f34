import type { FieldError } from '../platform/index.js';
import { CALLER_WAITING_VERBS, type FlowDefinition } from './flow-types.js';
import { listTransitions } from './step-transitions.js';

/** `start` and every transition name an existing step; each bad name is reported where written. */
export function checkReferences(definition: FlowDefinition): FieldError[] {
  const exists = (name: string) => Object.prototype.hasOwnProperty.call(definition.steps, name);
  const errors: FieldError[] = [];
  if (!exists(definition.start)) {
    errors.push({
      path: '/start',
      message: `names step "${definition.start}", which does not exist`,
    });
  }
  for (const [name, step] of Object.entries(definition.steps)) {
    for (const { pointer, target } of listTransitions(name, step)) {
      if (!exists(target)) {
        errors.push({ path: pointer, message: `names step "${target}", which does not exist` });
      }
    }
  }
  return errors;
}

/** The graph without the steps that wait for the caller: any cycle left in it could spin. */
function buildSpinGraph(definition: FlowDefinition): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [name, step] of Object.entries(definition.steps)) {
    if (CALLER_WAITING_VERBS.includes(step.verb)) continue;
    graph.set(name, []);
  }
  for (const [name, edges] of graph) {
    const step = definition.steps[name];
    for (const { target } of listTransitions(name, step)) {
      if (graph.has(target) && !edges.includes(target)) edges.push(target);
    }
  }
  return graph;
}

/** Tarjan's strongly connected components; the graph has at most 200 nodes, so recursion is safe. */
function findComponents(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component);
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return components;
}

/** A concrete cycle through `first` inside one component, as the list of steps walked. */
function traceCycle(graph: Map<string, string[]>, members: Set<string>, first: string): string[] {
  const path = [first];
  const seen = new Set([first]);
  const walk = (node: string): boolean => {
    for (const next of graph.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === first) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      path.push(next);
      if (walk(next)) return true;
      path.pop();
    }
    return false;
  };
  walk(first);
  return [...path, first];
}

/**
 * Every cycle must pass through a gather, record or dial; otherwise the call could loop
 * without ever waiting for the caller. Each offending loop is reported once, at the first of
 * its steps in name order, with the steps in the order they are walked.
 */
export function checkCycles(definition: FlowDefinition): FieldError[] {
  const graph = buildSpinGraph(definition);
  const errors: FieldError[] = [];
  for (const component of findComponents(graph)) {
    const first = [...component].sort()[0];
    const selfLoop = graph.get(first)!.includes(first);
    if (component.length === 1 && !selfLoop) continue;
    const cycle = traceCycle(graph, new Set(component), first);
    errors.push({
      path: `/steps/${first}`,
      message: `steps ${cycle.join(' → ')} form a loop with no gather, record or dial; the call could spin forever`,
    });
  }
  return errors.sort((a, b) => a.path.localeCompare(b.path));
}
