import type { BranchStep } from '../flow-types.js';
import { evaluateCondition } from './conditions.js';
import { ignoreEvents, type VerbHandler } from './verb-handler.js';

/** branch: move to the first case whose condition holds, else `default` (none: the call ends). */
export const branchHandler: VerbHandler<BranchStep> = {
  enter: (step, scope) => {
    const index = step.cases.findIndex((branchCase) => evaluateCondition(branchCase.if, scope));
    if (index < 0) return { kind: 'move', next: step.default, report: { outcome: 'default' } };
    return { kind: 'move', next: step.cases[index].next, report: { outcome: `case_${index}` } };
  },
  resume: ignoreEvents,
};
