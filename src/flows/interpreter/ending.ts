import type { HangupStep, RedirectStep } from '../flow-types.js';
import { ignoreEvents, type VerbHandler } from './verb-handler.js';

/** hangup: end the call. */
export const hangupHandler: VerbHandler<HangupStep> = {
  enter: () => ({
    kind: 'end',
    endedBy: 'hangup',
    report: { outcome: 'hangup' },
    commands: [{ type: 'hangup' }],
  }),
  resume: ignoreEvents,
};

/** redirect: end this flow and ask the orchestrator to start `flow_id`'s active version. */
export const redirectHandler: VerbHandler<RedirectStep> = {
  enter: (step) => ({
    kind: 'end',
    endedBy: 'redirect',
    report: { outcome: 'redirected', details: { flow_id: step.flow_id } },
    commands: [{ type: 'redirect', flow_id: step.flow_id }],
  }),
  resume: ignoreEvents,
};
