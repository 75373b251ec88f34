import { readFileSync } from 'node:fs';
import type { FlowDefinition, FlowStep } from '../../src/flows/flow-types.js';
import type { FlowEvent } from '../../src/flows/interpreter/flow-events.js';
import type { FlowCall, FlowTransition } from '../../src/flows/interpreter/flow-state.js';
import { nextFlow, startFlow } from '../../src/flows/interpreter/run-flow.js';

export const EXAMPLE_NAMES = ['ivr-menu', 'voicemail', 'appointment-reminder'] as const;

/** One of the example flows in flows/examples, parsed fresh each time. */
export function loadExample(name: (typeof EXAMPLE_NAMES)[number]): FlowDefinition {
  const url = new URL(`../../flows/examples/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as FlowDefinition;
}

/** A flow starting at the first step given. */
export function defineFlow(
  steps: Record<string, FlowStep>,
  variables?: Record<string, string>,
): FlowDefinition {
  const flow: FlowDefinition = { start: Object.keys(steps)[0], steps };
  if (variables) flow.variables = variables;
  return flow;
}

export const CALL: FlowCall = { id: 'call_test', from: '+14155550100', to: '+14155550199' };

/** Starts the flow, feeds each event in turn, and returns every transition (start first). */
export function drive(definition: FlowDefinition, events: FlowEvent[]): FlowTransition[] {
  const transitions = [startFlow(definition, { call: CALL })];
  for (const event of events) {
    transitions.push(nextFlow(definition, transitions[transitions.length - 1].state, event));
  }
  return transitions;
}

/** The last transition of `drive`. */
export function driveToEnd(definition: FlowDefinition, events: FlowEvent[]): FlowTransition {
  const transitions = drive(definition, events);
  return transitions[transitions.length - 1];
}
