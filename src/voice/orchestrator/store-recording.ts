import { recordingView } from '../recordings.routes.js';
import type { RecordingRow } from '../recordings.store.js';
import type { OrchestratorContext } from './context.js';

/** The call a recording belongs to (a LiveCall, or a call that has already ended). */
export interface RecordingOwner {
  id: string;
  projectId: string;
}

/**
 * Copies a finished recording from the PBX to object storage, saves its row and announces
 * `recording.completed` (on the call's timeline and as a webhook) in one transaction. The call
 * may have ended already: its row is locked only to keep its timeline in order.
 */
export async function storeRecording(
  ctx: OrchestratorContext,
  call: RecordingOwner,
  input: { recordingId: string; name: string; step: string | null; durationSec: number },
): Promise<RecordingRow> {
  const audio = await ctx.media().fetchRecording(input.name);
  const key = `${call.projectId}/recordings/${input.recordingId}.wav`;
  await ctx.blobs.put(key, audio, 'audio/wav');
  const row: RecordingRow = {
    id: input.recordingId,
    project_id: call.projectId,
    call_id: call.id,
    step: input.step,
    status: 'completed',
    duration: Math.max(0, Math.round(input.durationSec)),
    blob_key: key,
    content_type: 'audio/wav',
    size: audio.length,
    created_at: ctx.clock.now(),
  };
  await ctx.db.transaction(async (trx) => {
    const callRow = await ctx.store.lock(trx, call.id);
    await ctx.recordings.insert(trx, row);
    if (callRow) {
      await ctx.callEvents.announce(trx, callRow, 'recording.completed', recordingView(row));
    }
  });
  return row;
}
