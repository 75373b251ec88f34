import { FLOW_LIMITS, type FlowDefinition, type FlowStep } from '../flow-types.js';
import type { FlowCommand } from './flow-commands.js';
import type { FlowEvent } from './flow-events.js';
import type {
  FlowEndReason,
  FlowStartContext,
  FlowState,
  FlowTimelineEntry,
  FlowTransition,
} from './flow-state.js';
import { handlerFor } from './handlers.js';
import { timelineDetails } from './timeline-details.js';
import { mergeVariables } from './variables.js';
import type { StepEffect, StepScope } from './verb-handler.js';

/** A transition being built: a private copy of the state plus what it produced so far. */
interface Draft {
  state: FlowState;
  commands: FlowCommand[];
  entered: FlowTimelineEntry[];
}

function findStep(definition: FlowDefinition, name: string): FlowStep | undefined {
  return Object.hasOwn(definition.steps, name) ? definition.steps[name] : undefined;
}

function buildScope(definition: FlowDefinition, state: FlowState, name: string): StepScope {
  return {
    name,
    call: state.call,
    variables: state.variables,
    lastDigits: state.last_digits,
    attempts: state.attempts,
    hasStep: (target) => findStep(definition, target) !== undefined,
  };
}

function endFlow(draft: Draft, endedBy: FlowEndReason, hangup: boolean): void {
  draft.state.ended = true;
  draft.state.ended_by = endedBy;
  draft.state.step = null;
  if (hangup) draft.commands.push({ type: 'hangup' });
}

/** Records an effect's output and updates; returns the step to enter next, if any. */
function applyEffect(
  draft: Draft,
  name: string,
  step: FlowStep,
  effect: StepEffect,
): string | undefined {
  const { state } = draft;
  if (effect.commands) draft.commands.push(...effect.commands);
  if (effect.report) {
    const entry: FlowTimelineEntry = { step: name, verb: step.verb, ...effect.report };
    if (effect.kind === 'move' && effect.next !== undefined) entry.next = effect.next;
    if (entry.details === undefined) delete entry.details;
    else entry.details = timelineDetails(entry.details);
    draft.entered.push(entry);
  }
  if (effect.kind === 'end') {
    endFlow(draft, effect.endedBy, false);
    return undefined;
  }
  if (effect.variables) state.variables = mergeVariables(state.variables, effect.variables);
  if (effect.lastDigits !== undefined) state.last_digits = effect.lastDigits;
  if (effect.attempts !== undefined) state.attempts = effect.attempts;
  if (effect.kind === 'wait') {
    state.step = name;
    return undefined;
  }
  if (effect.next === undefined) endFlow(draft, 'end', true);
  return effect.next;
}

/**
 * Enters `target` (coming from `from`, null at the start) and keeps going through the steps
 * that do not wait (set, branch, sms) until the flow waits for an event or ends. Every entry
 * counts towards the 1,000-step limit.
 */
function runFrom(definition: FlowDefinition, draft: Draft, target: string, from: string | null) {
  let current: string | undefined = target;
  let previous = from;
  while (current !== undefined) {
    const { state } = draft;
    const step = findStep(definition, current);
    if (state.steps_taken >= FLOW_LIMITS.maxStepsPerCall) {
      // The step not entered says why the call ends (a live call's timeline had no word of it).
      if (step) draft.entered.push({ step: current, verb: step.verb, outcome: 'step_limit' });
      return endFlow(draft, 'step_limit', true);
    }
    if (!step) return endFlow(draft, 'error', true);
    state.steps_taken += 1;
    if (current !== previous) state.attempts = 0;
    const effect = handlerFor(step).enter(step, buildScope(definition, state, current));
    previous = current;
    current = applyEffect(draft, current, step, effect);
  }
}

function startDraft(state: FlowState): Draft {
  return {
    state: { ...state, variables: { ...state.variables }, call: { ...state.call } },
    commands: [],
    entered: [],
  };
}

function unchanged(state: FlowState): FlowTransition {
  return { state, commands: [], entered: [] };
}

/**
 * The state of a flow that has not started: the call waits for `started` (an orchestrator
 * that persists the state before the call is answered starts here). Variables are the
 * definition's own, overridden by the context's.
 */
export function createFlowState(definition: FlowDefinition, context: FlowStartContext): FlowState {
  const variables = mergeVariables(definition.variables ?? {}, context.variables ?? {});
  return {
    step: null,
    started: false,
    ended: false,
    ended_by: null,
    attempts: 0,
    variables,
    last_digits: '',
    steps_taken: Math.max(0, Math.trunc(context.steps_taken ?? 0)),
    call: { ...context.call },
  };
}

/** Events that end the flow wherever it is, with the outcome of its step and why it ended. */
const INTERRUPTIONS = {
  caller_hangup: 'caller_hangup',
  api_hangup: 'api_hangup',
  media_error: 'error',
  redirected: 'redirect',
} as const satisfies Partial<Record<FlowEvent['type'], FlowEndReason>>;

type Interruption = keyof typeof INTERRUPTIONS;

function isInterruption(type: FlowEvent['type']): type is Interruption {
  return Object.hasOwn(INTERRUPTIONS, type);
}

/** The flow ends under its step: the caller or the app hung up, media failed, a redirect. */
function interrupt(
  definition: FlowDefinition,
  state: FlowState,
  outcome: Interruption,
): FlowTransition {
  const draft = startDraft(state);
  const step = state.step === null ? undefined : findStep(definition, state.step);
  if (step && state.step !== null) {
    draft.entered.push({ step: state.step, verb: step.verb, outcome });
  }
  endFlow(draft, INTERRUPTIONS[outcome], false);
  return draft;
}

/**
 * Feeds one event to a running flow and returns the new state, the commands to carry out and
 * the timeline entries to write. Pure: no I/O, no clock, no randomness; `state` is not
 * modified. An event that does not fit the current step, or any event after the flow ended,
 * is ignored (same state, no commands). `caller_hangup`, `api_hangup`, `media_error` and
 * `redirected` end the flow anywhere, with no commands. A transition runs at most until the
 * flow waits again, so one event yields at most one waiting command (after any `send_sms`).
 */
export function nextFlow(
  definition: FlowDefinition,
  state: FlowState,
  event: FlowEvent,
): FlowTransition {
  if (state.ended) return unchanged(state);
  if (isInterruption(event.type)) return interrupt(definition, state, event.type);
  if (!state.started) {
    if (event.type !== 'started') return unchanged(state);
    const draft = startDraft(state);
    draft.state.started = true;
    runFrom(definition, draft, definition.start, null);
    return draft;
  }
  const name = state.step;
  const step = name === null ? undefined : findStep(definition, name);
  if (name === null || !step) {
    const draft = startDraft(state);
    endFlow(draft, 'error', true);
    return draft;
  }
  const effect = handlerFor(step).resume(step, buildScope(definition, state, name), event);
  if (!effect) return unchanged(state);
  const draft = startDraft(state);
  const target = applyEffect(draft, name, step, effect);
  if (target !== undefined) runFrom(definition, draft, target, name);
  return draft;
}

/** Starts a flow at `start` for an answered call: `createFlowState` then `started`. */
export function startFlow(definition: FlowDefinition, context: FlowStartContext): FlowTransition {
  return nextFlow(definition, createFlowState(definition, context), { type: 'started' });
}
