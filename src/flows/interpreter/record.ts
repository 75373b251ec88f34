import { FLOW_DEFAULTS, type RecordStep } from '../flow-types.js';
import type { VerbHandler } from './verb-handler.js';

/**
 * record: record the caller until the finish key or `max_length`; the recording id goes to
 * `variable` (default `recording_id`), then `next`.
 */
export const recordHandler: VerbHandler<RecordStep> = {
  enter: (step) => ({
    kind: 'wait',
    commands: [
      {
        type: 'record',
        max_length: step.max_length ?? FLOW_DEFAULTS.record.max_length,
        finish_on_key: step.finish_on_key ?? FLOW_DEFAULTS.record.finish_on_key,
        beep: step.beep ?? FLOW_DEFAULTS.record.beep,
      },
    ],
  }),
  resume: (step, _scope, event) => {
    if (event.type !== 'recording_finished') return undefined;
    const recordingId = typeof event.recording_id === 'string' ? event.recording_id : '';
    const input = typeof event.digits === 'string' ? event.digits : '';
    const variable = step.variable ?? FLOW_DEFAULTS.record.variable;
    return {
      kind: 'move',
      next: step.next,
      report: { input, outcome: 'recorded', details: { recording_id: recordingId } },
      variables: { [variable]: recordingId },
    };
  },
};
