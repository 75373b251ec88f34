import { FLOW_DEFAULTS, type DialStep } from '../flow-types.js';
import { renderTemplate } from '../templates.js';
import type { DialCommand } from './flow-commands.js';
import type { DialOutcome } from './flow-events.js';
import type { StepScope, VerbHandler } from './verb-handler.js';

const OUTCOMES: readonly DialOutcome[] = ['completed', 'busy', 'no-answer', 'failed'];

function buildDialCommand(step: DialStep, scope: StepScope): DialCommand {
  const command: DialCommand = {
    type: 'dial',
    to: renderTemplate(step.to, scope),
    timeout: step.timeout ?? FLOW_DEFAULTS.dial.timeout,
    record: step.record ?? FLOW_DEFAULTS.dial.record,
  };
  if (step.from !== undefined) command.from = renderTemplate(step.from, scope);
  return command;
}

/**
 * dial: call `to` and bridge. A leg that fails goes to `on[busy|no-answer|failed]`, falling
 * back to `next` when that outcome has no transition; a completed leg goes to `next`.
 */
export const dialHandler: VerbHandler<DialStep> = {
  enter: (step, scope) => ({ kind: 'wait', commands: [buildDialCommand(step, scope)] }),
  resume: (step, scope, event) => {
    if (event.type !== 'dial_result' || !OUTCOMES.includes(event.outcome)) return undefined;
    const failed = event.outcome === 'completed' ? undefined : step.on?.[event.outcome];
    return {
      kind: 'move',
      next: failed ?? step.next,
      report: { outcome: event.outcome, details: { to: renderTemplate(step.to, scope) } },
    };
  },
};
