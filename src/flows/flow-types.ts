/**
 * The call-flow language (FLOWS.md) as TypeScript types. `flows/schema.json` is the source of
 * truth for the shape; these types describe a definition that `validateFlow` accepted, and the
 * defaults the interpreter applies where a field is left out.
 */

/** Every verb a step may use, in the order the documentation lists them. */
export const FLOW_VERBS = [
  'say',
  'play',
  'gather',
  'dial',
  'record',
  'pause',
  'set',
  'branch',
  'webhook',
  'sms',
  'redirect',
  'hangup',
] as const;
export type FlowVerb = (typeof FLOW_VERBS)[number];

/** Verbs that wait for the caller; every cycle in a flow must pass through one of them. */
export const CALLER_WAITING_VERBS: readonly FlowVerb[] = ['gather', 'record', 'dial'];

/** Limits the validator and the interpreter enforce, in one place. */
export const FLOW_LIMITS = {
  maxSteps: 200,
  maxTextPerStep: 4000,
  maxStepsPerCall: 1000,
  maxVariables: 100,
  maxVariableLength: 1000,
  maxRenderedLength: 8000,
  maxPatternLength: 200,
  maxMatchInputLength: 128,
} as const;

/** Values used when a step leaves a field out. */
export const FLOW_DEFAULTS = {
  loop: 1,
  gather: { num_digits: 1, finish_on_key: '#', timeout: 5, max_attempts: 1, variable: 'digits' },
  dial: { timeout: 30, record: false },
  record: { max_length: 60, finish_on_key: '#', beep: true, variable: 'recording_id' },
  webhook: { method: 'POST', timeout: 10 },
} as const;

/** Speaks `text` (templated) with an optional TTS voice and language. */
export interface SayStep {
  verb: 'say';
  text: string;
  voice?: string;
  language?: string;
  loop?: number;
  next?: string;
}

/** Plays an https URL or a `sound:<name>` installed on the media server. */
export interface PlayStep {
  verb: 'play';
  url: string;
  loop?: number;
  next?: string;
}

/** What a gather plays while it waits for keys: a say or play without `next`. */
export type PromptSpec = Omit<SayStep, 'next'> | Omit<PlayStep, 'next'>;

/** Collects digits; `branches` maps exact digit strings to steps. */
export interface GatherStep {
  verb: 'gather';
  prompt?: PromptSpec;
  num_digits?: number;
  finish_on_key?: string;
  timeout?: number;
  max_attempts?: number;
  variable?: string;
  branches?: Record<string, string>;
  next?: string;
  on_timeout?: string;
}

/** The ways an outgoing leg can fail, each with its own transition. */
export type DialFailure = 'busy' | 'no-answer' | 'failed';

/** Calls `to` and bridges it with the caller. */
export interface DialStep {
  verb: 'dial';
  to: string;
  from?: string;
  timeout?: number;
  record?: boolean;
  on?: Partial<Record<DialFailure, string>>;
  next?: string;
}

/** Records the caller; the recording id lands in `variable` (default `recording_id`). */
export interface RecordStep {
  verb: 'record';
  max_length?: number;
  finish_on_key?: string;
  beep?: boolean;
  variable?: string;
  next?: string;
}

/** Waits `seconds` in silence. */
export interface PauseStep {
  verb: 'pause';
  seconds: number;
  next?: string;
}

/** Sets each variable to its rendered template, in the order written. */
export interface SetStep {
  verb: 'set';
  variables: Record<string, string>;
  next?: string;
}

export type BranchOp = 'eq' | 'ne' | 'in' | 'gt' | 'lt' | 'matches';

/** One test: `var` is a variable name, `vars.<name>`, `call.id|from|to` or `digits`. */
export interface BranchCondition {
  var: string;
  op: BranchOp;
  value: string | number | Array<string | number>;
}

export interface BranchCase {
  if: BranchCondition;
  next: string;
}

/** Moves to the first case whose condition holds, else `default`. */
export interface BranchStep {
  verb: 'branch';
  cases: BranchCase[];
  default?: string;
}

/** Asks the app what to do; failures go to `on_error`, else `next`. */
export interface WebhookStep {
  verb: 'webhook';
  url: string;
  method?: 'GET' | 'POST';
  timeout?: number;
  on_error?: string;
  next?: string;
}

/** Queues an SMS (fire and forget); `to` defaults to the other party of the call. */
export interface SmsStep {
  verb: 'sms';
  to?: string;
  from?: string;
  body: string;
  next?: string;
}

/** Continues in another flow's active version. */
export interface RedirectStep {
  verb: 'redirect';
  flow_id: string;
}

export interface HangupStep {
  verb: 'hangup';
}

export type FlowStep =
  | SayStep
  | PlayStep
  | GatherStep
  | DialStep
  | RecordStep
  | PauseStep
  | SetStep
  | BranchStep
  | WebhookStep
  | SmsStep
  | RedirectStep
  | HangupStep;

/** A flow document that passed `validateFlow`. */
export interface FlowDefinition {
  start: string;
  variables?: Record<string, string>;
  steps: Record<string, FlowStep>;
}
