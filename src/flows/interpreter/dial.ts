import { FLOW_DEFAULTS, type DialStep } from '../flow-types.js';
import { renderTemplate } from '../templates.js';
import type { DialCommand } from './flow-commands.js';
import type { DialOutcome } from './flow-events.js';
import type { StepScope, VerbHandler } from './verb-handler.js';

const OUTCOMES: readonly DialOutcome[] = ['completed', 'busy', 'no-answer', 'failed'];

/** A TECH/resource endpoint (`PJSIP/alice`), as flows/schema.json's dialTarget spells one. */
const ENDPOINT = /^[A-Za-z][A-Za-z0-9]{0,15}\/\S{1,200}$/;
const E164 = /^\+[1-9][0-9]{1,14}$/;

/** True for a rendered `to` that names an endpoint (dialled as it is) rather than a number. */
export function isDialEndpoint(to: string): boolean {
  return ENDPOINT.test(to);
}

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
 * back to `next` when that outcome has no transition; a completed leg goes to `next`. A `to`
 * whose template renders to neither an E.164 number nor an endpoint fails without a call.
 */
export const dialHandler: VerbHandler<DialStep> = {
  enter: (step, scope) => {
    const command = buildDialCommand(step, scope);
    if (E164.test(command.to) || isDialEndpoint(command.to)) {
      return { kind: 'wait', commands: [command] };
    }
    // A template that rendered to no number (a missing variable) is not dialled: the step
    // fails at once, as a leg that could not be placed would.
    return {
      kind: 'move',
      next: step.on?.failed ?? step.next,
      report: { outcome: 'failed', details: { to: command.to, reason: 'invalid_to' } },
    };
  },
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
