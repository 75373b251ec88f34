import type { RecordCommand } from '../../flows/index.js';
import type { OrchestratorContext } from './context.js';
import type { FlowDriver } from './driver.js';
import type { LiveCall } from './live-call.js';
import { storeRecording } from './store-recording.js';

/**
 * ARI's `terminateOn` for a finish key: `#` and `*` as such; none for '' and for a digit,
 * which ARI cannot name (`any` would stop on every key): `onRecordKey` stops that one.
 */
export function terminateOnFor(finishOnKey: string): string {
  return finishOnKey === '#' || finishOnKey === '*' ? finishOnKey : 'none';
}

/** record: a stored ARI recording named after our recording id. */
export async function runRecord(ctx: OrchestratorContext, call: LiveCall, command: RecordCommand) {
  const recordingId = ctx.ids('rec');
  call.activity = {
    kind: 'record',
    name: recordingId,
    recordingId,
    step: call.state?.step ?? null,
    finishOnKey: command.finish_on_key,
    finishedBy: '',
  };
  await ctx.media().record(call.channelId, {
    name: recordingId,
    maxDurationSec: command.max_length,
    beep: command.beep,
    terminateOn: terminateOnFor(command.finish_on_key),
  });
}

/**
 * A key pressed while recording: only the step's finish key matters. It is remembered as the
 * step's input, and a digit finish key (which ARI cannot terminate on) stops the recording;
 * `#` and `*` stop it on the PBX. Other keys are part of the recording.
 */
export async function onRecordKey(
  ctx: OrchestratorContext,
  call: LiveCall,
  digit: string,
): Promise<void> {
  const activity = call.activity;
  if (activity?.kind !== 'record' || activity.finishOnKey === '') return;
  if (digit !== activity.finishOnKey || activity.finishedBy !== '') return;
  activity.finishedBy = digit;
  if (terminateOnFor(digit) === 'none') await ctx.media().stopRecording(activity.name);
}

/**
 * The recording ended (finish key, max length, or the caller hanging up — the file is kept
 * then too). A recording that cannot be stored is logged and the flow moves on without an id.
 */
export async function onRecordingDone(
  ctx: OrchestratorContext,
  driver: FlowDriver,
  call: LiveCall,
  event: { name: string; durationSec: number; failed: boolean },
): Promise<void> {
  const activity = call.activity;
  if (activity?.kind !== 'record' || activity.name !== event.name) return;
  call.activity = null;
  let recordingId = '';
  if (!event.failed) {
    try {
      const row = await storeRecording(ctx, call, { ...activity, durationSec: event.durationSec });
      recordingId = row.id;
    } catch (err) {
      ctx.logger.error({ err, call_id: call.id, name: event.name }, 'recording not stored');
    }
  }
  const digits = activity.finishedBy || undefined;
  await driver.feed(call, {
    type: 'recording_finished',
    recording_id: recordingId,
    duration: event.durationSec,
    ...(digits !== undefined && { digits }),
  });
}
