import type { PlayStep, SayStep } from '../flow-types.js';
import { buildPlayCommand, describePlay } from './media.js';
import type { VerbHandler } from './verb-handler.js';

/** say and play: play the media, move to `next` on `play_finished`. */
function createPlaybackHandler<S extends SayStep | PlayStep>(): VerbHandler<S> {
  return {
    enter: (step, scope) => ({ kind: 'wait', commands: [buildPlayCommand(step, scope)] }),
    resume: (step, scope, event) => {
      if (event.type !== 'play_finished') return undefined;
      const details = describePlay(buildPlayCommand(step, scope));
      return { kind: 'move', next: step.next, report: { outcome: 'played', details } };
    },
  };
}

export const sayHandler: VerbHandler<SayStep> = createPlaybackHandler<SayStep>();
export const playHandler: VerbHandler<PlayStep> = createPlaybackHandler<PlayStep>();
