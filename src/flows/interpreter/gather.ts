import { FLOW_DEFAULTS, type GatherStep } from '../flow-types.js';
import type { CollectDigitsCommand } from './flow-commands.js';
import { buildPlayCommand, describePlay } from './media.js';
import type { StepEffect, StepScope, VerbHandler } from './verb-handler.js';

function buildCollectCommand(step: GatherStep, scope: StepScope): CollectDigitsCommand {
  const command: CollectDigitsCommand = {
    type: 'collect_digits',
    num_digits: step.num_digits ?? FLOW_DEFAULTS.gather.num_digits,
    finish_on_key: step.finish_on_key ?? FLOW_DEFAULTS.gather.finish_on_key,
    timeout: step.timeout ?? FLOW_DEFAULTS.gather.timeout,
  };
  if (step.prompt) command.prompt = buildPlayCommand(step.prompt, scope);
  return command;
}

/**
 * The digits as the gather sees them: keypad keys only, cut at the finish key and at
 * `num_digits`, so an orchestrator (or a simulator) that passes the finish key or extra keys
 * along gets the same result as one that does not.
 */
export function normalizeDigits(raw: unknown, step: GatherStep): string {
  if (typeof raw !== 'string') return '';
  const finishKey = step.finish_on_key ?? FLOW_DEFAULTS.gather.finish_on_key;
  const numDigits = step.num_digits ?? FLOW_DEFAULTS.gather.num_digits;
  let keys = raw.replace(/[^0-9*#]/g, '');
  const finishAt = finishKey === '' ? -1 : keys.indexOf(finishKey);
  if (finishAt >= 0) keys = keys.slice(0, finishAt);
  return keys.slice(0, numDigits);
}

function promptDetails(step: GatherStep, scope: StepScope) {
  return step.prompt ? describePlay(buildPlayCommand(step.prompt, scope)) : undefined;
}

function answerDigits(step: GatherStep, scope: StepScope, digits: string): StepEffect {
  const variable = step.variable ?? FLOW_DEFAULTS.gather.variable;
  const branches = step.branches ?? {};
  const matched = Object.hasOwn(branches, digits);
  return {
    kind: 'move',
    next: matched ? branches[digits] : step.next,
    report: {
      input: digits,
      outcome: matched ? 'matched' : 'no_match',
      details: promptDetails(step, scope),
    },
    variables: { [variable]: digits },
    lastDigits: digits,
  };
}

function answerTimeout(step: GatherStep, scope: StepScope): StepEffect {
  const variable = step.variable ?? FLOW_DEFAULTS.gather.variable;
  const attempts = scope.attempts + 1;
  const maxAttempts = step.max_attempts ?? FLOW_DEFAULTS.gather.max_attempts;
  const updates = { variables: { [variable]: '' }, lastDigits: '' };
  const details = promptDetails(step, scope);
  if (attempts < maxAttempts) {
    const report = { input: '', outcome: 'timeout', details };
    return {
      kind: 'wait',
      commands: [buildCollectCommand(step, scope)],
      report,
      attempts,
      ...updates,
    };
  }
  const report = { input: '', outcome: 'max_attempts', details };
  return { kind: 'move', next: step.on_timeout, report, attempts: 0, ...updates };
}

/**
 * gather: collect digits while the prompt plays. Digits go to `branches[digits]` (exact
 * match), else `next`, and are stored in `variable` (default `digits`) and `{{digits}}`. A
 * timeout, or no digits, counts an attempt and prompts again; the `max_attempts`-th goes to
 * `on_timeout`, or ends the call when there is none.
 */
export const gatherHandler: VerbHandler<GatherStep> = {
  enter: (step, scope) => ({ kind: 'wait', commands: [buildCollectCommand(step, scope)] }),
  resume: (step, scope, event) => {
    if (event.type === 'timeout') return answerTimeout(step, scope);
    if (event.type !== 'digits') return undefined;
    const digits = normalizeDigits(event.digits, step);
    return digits === '' ? answerTimeout(step, scope) : answerDigits(step, scope, digits);
  },
};
