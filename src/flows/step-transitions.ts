import type { FlowStep } from './flow-types.js';

/** One edge of the flow graph: where it is written (a JSON pointer) and the step it names. */
export interface StepTransition {
  pointer: string;
  target: string;
}

/**
 * Every transition a step writes down: next, branches.*, on_timeout, on.*, cases[i].next,
 * default and on_error. A webhook's answer may name any step at run time; that edge cannot
 * be known here.
 */
export function listTransitions(name: string, step: FlowStep): StepTransition[] {
  const base = `/steps/${name}`;
  const found: StepTransition[] = [];
  const add = (field: string, target: string | undefined) => {
    if (target !== undefined) found.push({ pointer: `${base}/${field}`, target });
  };
  switch (step.verb) {
    case 'gather':
      for (const [digits, target] of Object.entries(step.branches ?? {})) {
        add(`branches/${digits}`, target);
      }
      add('on_timeout', step.on_timeout);
      break;
    case 'dial':
      for (const [failure, target] of Object.entries(step.on ?? {})) add(`on/${failure}`, target);
      break;
    case 'branch':
      step.cases.forEach((branchCase, index) => add(`cases/${index}/next`, branchCase.next));
      add('default', step.default);
      break;
    case 'webhook':
      add('on_error', step.on_error);
      break;
    default:
      break;
  }
  if ('next' in step) add('next', step.next);
  return found;
}
