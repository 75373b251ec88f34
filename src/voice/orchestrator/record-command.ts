import type { RecordCommand } from '../../flows/index.js';
import type { OrchestratorContext } from './context.js';
import type { FlowDriver } from './driver.js';
import type { LiveCall } from './live-call.js';
import { storeRecording } from './store-recording.js';

/** ARI's `terminateOn`: `#` and `*` as such, none for '', any other key as `any`. */
export function terminateOnFor(finishOnKey: string): string {
  if (finishOnKey === '') return 'none';
  return finishOnKey === '#' || finishOnKey === '*' ? finishOnKey : 'any';
}

/** record: a stored ARI recording named after our recording id. */
export async function runRecord(ctx: OrchestratorContext, call: LiveCall, command: RecordCommand) {
  const recordingId = ctx.ids('rec');
  call.activity = {
    kind: 'record',
    name: recordingId,
    recordingId,
    step: call.state?.step ?? null,
    lastKey: '',
  };
  await ctx.media().record(call.channelId, {
    name: recordingId,
    maxDurationSec: command.max_length,
    beep: command.beep,
    terminateOn: terminateOnFor(command.finish_on_key),
  });
}

/** Remembers the key that (probably) stopped the recording. */
export function onRecordKey(call: LiveCall, digit: string): void {
  if (call.activity?.kind === 'record') call.activity.lastKey = digit;
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
  const digits = activity.lastKey || undefined;
  await driver.feed(call, {
    type: 'recording_finished',
    recording_id: recordingId,
    duration: event.durationSec,
    ...(digits !== undefined && { digits }),
  });
}
