import type { FlowDefinition, FlowStep } from './flow-types.js';
import type { FlowEvent } from './interpreter/flow-events.js';
import {
  redirectContext,
  type FlowCall,
  type FlowDetailValue,
  type FlowEndReason,
  type FlowTransition,
} from './interpreter/flow-state.js';
import { nextFlow, startFlow } from './interpreter/run-flow.js';

/** The scripted run: one answer per step that waits for the caller, in order. */
export interface SimulationOptions {
  /**
   * Answers, consumed in order: a gather takes one as its digits ("" or none left: a
   * timeout); a record takes one as the key that stopped it ("" for max length) and a dial
   * one as its outcome (`busy`, `no-answer`, `failed`, anything else answered) — with none
   * left, the run stops with `inputs_exhausted`; a webhook takes one only when it is JSON
   * `{ "status": 200, "body": {...} }`, else it gets a 200 with no body. `"hangup"` at any of
   * these steps is the caller hanging up. say, play and pause finish at once.
   */
  inputs: string[];
  variables?: Record<string, string>;
  call?: Partial<FlowCall>;
  /** Flows a `redirect` may continue in, by id; without the target the run stops at the redirect. */
  flows?: Record<string, FlowDefinition>;
}

/** One step visit: the timeline entry with its details spread in (text spoken, number dialled...). */
export interface TranscriptEntry {
  step: string;
  verb: FlowStep['verb'];
  input?: string;
  outcome: string;
  next?: string;
  [detail: string]: FlowDetailValue | undefined;
}

/** Why a simulation stopped: how the flow ended, or `inputs_exhausted`. */
export type SimulationEndReason = FlowEndReason | 'inputs_exhausted';

export interface SimulationResult {
  transcript: TranscriptEntry[];
  ended_by: SimulationEndReason;
  /** The step the run stopped at when the inputs ran out; null when the flow ended. */
  waiting_at: string | null;
  /** The variables when the run stopped. */
  variables: Record<string, string>;
}

const SIMULATED_CALL: FlowCall = {
  id: 'call_simulation',
  from: '+15550100001',
  to: '+15550100002',
  direction: 'inbound',
};
const DIAL_FAILURES = new Set(['busy', 'no-answer', 'failed']);
const MAX_EVENTS = 20000;

interface Script {
  inputs: string[];
  position: number;
  recordings: number;
}

function readWebhookAnswer(input: string | undefined): FlowEvent | undefined {
  if (input === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(input);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const { status, body } = parsed as { status?: unknown; body?: unknown };
    return typeof status === 'number' ? { type: 'http_response', status, body } : undefined;
  } catch {
    return undefined;
  }
}

/** The event a real call would deliver at this step, given the script; undefined: none left. */
function answerStep(step: FlowStep, script: Script): FlowEvent | undefined {
  const peeked = script.inputs[script.position];
  const take = () => script.inputs[script.position++];
  if (step.verb === 'say' || step.verb === 'play') return { type: 'play_finished' };
  if (step.verb === 'pause') return { type: 'timeout' };
  if (peeked === 'hangup' && ['gather', 'record', 'dial', 'webhook'].includes(step.verb)) {
    take();
    return { type: 'caller_hangup' };
  }
  if (step.verb === 'webhook') {
    const answer = readWebhookAnswer(peeked);
    if (answer) take();
    return answer ?? { type: 'http_response', status: 200 };
  }
  if (step.verb === 'gather') {
    const digits = take();
    return digits ? { type: 'digits', digits } : { type: 'timeout' };
  }
  if (peeked === undefined) return undefined;
  const input = take();
  if (step.verb === 'dial') {
    const outcome = DIAL_FAILURES.has(input)
      ? (input as 'busy' | 'no-answer' | 'failed')
      : 'completed';
    return { type: 'dial_result', outcome };
  }
  script.recordings += 1;
  const recording_id = `rec_simulated_${script.recordings}`;
  return input === ''
    ? { type: 'recording_finished', recording_id }
    : { type: 'recording_finished', recording_id, digits: input };
}

function appendTranscript(transcript: TranscriptEntry[], transition: FlowTransition): void {
  for (const { details, ...entry } of transition.entered) transcript.push({ ...entry, ...details });
}

/**
 * Runs a validated flow without a phone line: the interpreter with scripted answers standing
 * in for the caller (see `SimulationOptions.inputs`), producing the same timeline a real call
 * would write given the same answers. Bounded by the interpreter's 1,000-step limit.
 */
export function simulateFlow(
  definition: FlowDefinition,
  options: SimulationOptions,
): SimulationResult {
  const given = Object.entries(options.call ?? {}).filter(([, value]) => value !== undefined);
  const call: FlowCall = { ...SIMULATED_CALL, ...Object.fromEntries(given) };
  const script: Script = { inputs: options.inputs, position: 0, recordings: 0 };
  const transcript: TranscriptEntry[] = [];
  let flow = definition;
  let transition = startFlow(flow, { call, variables: options.variables });
  for (let events = 0; events < MAX_EVENTS; events += 1) {
    appendTranscript(transcript, transition);
    const { state } = transition;
    const result = (ended_by: SimulationEndReason) => ({
      transcript,
      ended_by,
      waiting_at: state.ended ? null : state.step,
      variables: state.variables,
    });
    if (state.ended) {
      const redirect = transition.commands.find((command) => command.type === 'redirect');
      const flows = options.flows ?? {};
      const target = redirect && Object.hasOwn(flows, redirect.flow_id) && flows[redirect.flow_id];
      if (state.ended_by !== 'redirect' || !target) return result(state.ended_by ?? 'end');
      flow = target;
      transition = startFlow(flow, redirectContext(state));
      continue;
    }
    const step = state.step === null ? undefined : flow.steps[state.step];
    const event = step && answerStep(step, script);
    if (!event) return result('inputs_exhausted');
    transition = nextFlow(flow, state, event);
  }
  const { state } = transition;
  return { transcript, ended_by: 'step_limit', waiting_at: state.step, variables: state.variables };
}
