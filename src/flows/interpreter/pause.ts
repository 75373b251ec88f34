import type { PauseStep } from '../flow-types.js';
import type { VerbHandler } from './verb-handler.js';

/** pause: ask for `seconds` of silence, answered by `timeout`, then `next`. */
export const pauseHandler: VerbHandler<PauseStep> = {
  enter: (step) => ({ kind: 'wait', commands: [{ type: 'pause', seconds: step.seconds }] }),
  resume: (step, _scope, event) =>
    event.type === 'timeout'
      ? {
          kind: 'move',
          next: step.next,
          report: { outcome: 'paused', details: { seconds: step.seconds } },
        }
      : undefined,
};
