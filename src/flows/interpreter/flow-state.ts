import type { FlowVerb } from '../flow-types.js';
import type { FlowCommand } from './flow-commands.js';

/** The call a flow runs on. `direction` decides who "the caller" is for `sms` (default inbound). */
export interface FlowCall {
  id: string;
  from: string;
  to: string;
  direction?: 'inbound' | 'outbound';
}

/**
 * Why a flow ended: a `hangup` step, a step without `next` (`end`), the 1,000-step limit, the
 * caller hanging up, the app hanging up through the API, a `redirect` to another flow, or
 * `error` when the state names a step the definition lacks (a state run against the wrong
 * definition) or a media command failed.
 */
export type FlowEndReason =
  'hangup' | 'end' | 'step_limit' | 'caller_hangup' | 'api_hangup' | 'redirect' | 'error';

/**
 * Everything the interpreter knows about a running flow: plain JSON, persisted after every
 * transition and handed back with the next event. Never mutated in place.
 */
export interface FlowState {
  /** The step the call is on (waiting for an event), null before `started`. */
  step: string | null;
  started: boolean;
  ended: boolean;
  ended_by: FlowEndReason | null;
  /** Timeouts so far at the current gather; reset when the gather is entered from another step. */
  attempts: number;
  variables: Record<string, string>;
  /** Digits of the last gather, read by `{{digits}}`. */
  last_digits: string;
  /** Steps entered so far, carried across redirects; the call ends at 1,000. */
  steps_taken: number;
  call: FlowCall;
}

/** Scalar details of a timeline entry (text spoken, number dialled, url asked...). */
export type FlowDetailValue = string | number | boolean | Record<string, string>;

/**
 * One visit to one step, for the call's timeline: reported once its outcome is known — at
 * once for set, branch, sms, hangup and redirect; when the answering event arrives for the
 * verbs that wait (one entry per gather attempt); with outcome `caller_hangup` when the
 * caller leaves mid-step, `api_hangup` when the app hung up through the API, `redirected`
 * when the app moved the call to another flow, `media_error` when the platform hung up
 * because media failed.
 * `input` is what the caller gave (digits, finish key); `next` is the step the flow moved
 * to, absent when it stayed or ended.
 */
export interface FlowTimelineEntry {
  step: string;
  verb: FlowVerb;
  input?: string;
  outcome: string;
  next?: string;
  details?: Record<string, FlowDetailValue>;
}

/** The result of one interpreter call: the new state, what to do, and what to record. */
export interface FlowTransition {
  state: FlowState;
  commands: FlowCommand[];
  entered: FlowTimelineEntry[];
}

/** How a flow starts: the call, and variables that override the definition's own. */
export interface FlowStartContext {
  call: FlowCall;
  variables?: Record<string, string>;
  /** Steps already taken by the flow this one was redirected from. */
  steps_taken?: number;
}

/** The context to start the target flow of a `redirect` with: same call, variables and count. */
export function redirectContext(state: FlowState): FlowStartContext {
  return { call: state.call, variables: state.variables, steps_taken: state.steps_taken };
}
