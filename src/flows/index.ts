export { validateFlow } from './validate-flow.js';
export type { FlowValidation } from './validate-flow.js';
export { startFlow, nextFlow, createFlowState } from './interpreter/run-flow.js';
export { redirectContext } from './interpreter/flow-state.js';
export type {
  FlowState,
  FlowCall,
  FlowStartContext,
  FlowTransition,
  FlowTimelineEntry,
  FlowEndReason,
} from './interpreter/flow-state.js';
export type { FlowEvent, DialOutcome } from './interpreter/flow-events.js';
export type {
  FlowCommand,
  FlowMedia,
  PlayCommand,
  CollectDigitsCommand,
  DialCommand,
  RecordCommand,
  HttpRequestCommand,
  SendSmsCommand,
  PauseCommand,
  RedirectCommand,
  HangupCommand,
} from './interpreter/flow-commands.js';
export { simulateFlow } from './simulate-flow.js';
export { isDialEndpoint } from './interpreter/dial.js';
export type { SimulationOptions, SimulationResult, TranscriptEntry } from './simulate-flow.js';
export { FLOW_VERBS, FLOW_LIMITS } from './flow-types.js';
export type { FlowDefinition, FlowStep, FlowVerb } from './flow-types.js';
