import type { SetStep } from '../flow-types.js';
import { renderTemplate } from '../templates.js';
import { limitValue } from './variables.js';
import { ignoreEvents, type VerbHandler } from './verb-handler.js';

/**
 * set: render each template and store it, in the order written, so a later variable can read
 * an earlier one; then `next` at once.
 */
export const setHandler: VerbHandler<SetStep> = {
  enter: (step, scope) => {
    const variables: Record<string, string> = { ...scope.variables };
    const assigned: Record<string, string> = {};
    for (const [name, template] of Object.entries(step.variables)) {
      const value = limitValue(renderTemplate(template, { ...scope, variables }));
      variables[name] = value;
      assigned[name] = value;
    }
    return {
      kind: 'move',
      next: step.next,
      report: { outcome: 'set', details: { variables: assigned } },
      variables: assigned,
    };
  },
  resume: ignoreEvents,
};
