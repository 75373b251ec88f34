import type { FlowStep } from '../flow-types.js';
import type { TemplateScope } from '../templates.js';
import type { FlowCommand } from './flow-commands.js';
import type { FlowEvent } from './flow-events.js';
import type { FlowCall, FlowDetailValue } from './flow-state.js';

/** What a verb sees of the running flow. */
export interface StepScope extends TemplateScope {
  /** The step's name (a webhook sends it to the app). */
  name: string;
  call: FlowCall;
  /** Timeouts so far at this gather. */
  attempts: number;
  hasStep(name: string): boolean;
}

/** The timeline entry a verb reports for one visit; the runner adds step, verb and next. */
export interface StepReport {
  input?: string;
  outcome: string;
  details?: Record<string, FlowDetailValue>;
}

/** Changes to the flow's variables and last digits a verb asks for. */
export interface StepUpdates {
  variables?: Record<string, string>;
  lastDigits?: string;
  /** The gather's timeout count from now on. */
  attempts?: number;
}

/**
 * What a verb decides: wait on this step for an event (after `commands`), move on to `next`
 * (undefined: the call ends), or end the flow itself (hangup, redirect).
 */
export type StepEffect =
  | (StepUpdates & {
      kind: 'wait';
      commands: FlowCommand[];
      report?: StepReport;
    })
  | (StepUpdates & {
      kind: 'move';
      next: string | undefined;
      report: StepReport;
      commands?: FlowCommand[];
    })
  | { kind: 'end'; endedBy: 'hangup' | 'redirect'; report: StepReport; commands: FlowCommand[] };

/**
 * One verb as a pair of pure functions, jambonz's "each verb a task" without the classes:
 * `enter` runs when the call arrives at the step; `resume` answers an event while the call
 * waits there, returning undefined when the event does not fit (it is then ignored).
 */
export interface VerbHandler<S extends FlowStep = FlowStep> {
  enter(step: S, scope: StepScope): StepEffect;
  resume(step: S, scope: StepScope, event: FlowEvent): StepEffect | undefined;
}

/** `resume` for verbs that never wait. */
export function ignoreEvents(): undefined {
  return undefined;
}
