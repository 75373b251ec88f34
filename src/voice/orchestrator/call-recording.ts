import type { MediaEvent } from '../../connectors/index.js';
import type { Logger } from '../../platform/index.js';
import type { OrchestratorContext } from './context.js';
import type { LiveCall } from './live-call.js';
import {
  callIdOfRecordingTarget,
  callIdOfSnoop,
  SNOOP_MARKER,
  snoopChannelId,
} from './recording-ids.js';
import { storeRecording } from './store-recording.js';

/**
 * Recordings that run beside the flow rather than as a step of it: the whole call (`record:
 * true` on POST /v1/calls) and a dialled conversation (`record: true` on a `dial` step).
 *
 * Whole call: `POST /channels/{id}/record` only captures what a channel sends (ARI says so:
 * "this will not capture audio sent to the channel"), i.e. the caller's voice. To hear both
 * sides we snoop the caller's channel (`spy=both`, `whisper=none`) and record the snoop channel,
 * as Asterisk's own answer for ARI apps; MixMonitor would need the dialplan. The snoop channel
 * enters our app tagged `trunkline-snoop,<call id>` (so it is never taken for an inbound call),
 * the recording starts there, and both end when the caller's channel goes.
 *
 * Dial: the mixing bridge of the step is recorded once the leg is bridged; the recording ends
 * when the bridge is destroyed.
 *
 * Either way the recording usually finishes after the flow moved on or the call ended, so it
 * is stored off the call's queue (the flow never waits for the upload), for the call named by
 * the snoop channel or bridge id, from the row in Postgres. Nothing needs to survive a
 * restart but the ids on the PBX; only the dial step's name is kept in memory.
 */
export function createSideRecordings(logger: Logger) {
  /** Recording name → the `dial` step that recorded it. */
  const steps = new Map<string, string | null>();
  const uploads = new Set<Promise<void>>();
  return {
    remember(name: string, step: string | null): void {
      steps.set(name, step);
    },
    /** The step a recording was made at (null when unknown: whole call, or after a restart). */
    take(name: string): string | null {
      const step = steps.get(name) ?? null;
      steps.delete(name);
      return step;
    },
    /** Runs an upload in the background; a failure is logged with `fields`. */
    track(work: Promise<void>, fields: Record<string, unknown>): void {
      const upload = work.catch((err: unknown) =>
        logger.error({ err, ...fields }, 'call recording not stored'),
      );
      uploads.add(upload);
      void upload.finally(() => uploads.delete(upload));
    },
    /** Resolves when the uploads under way now have finished. */
    async settled(): Promise<void> {
      await Promise.all([...uploads]);
    },
  };
}

export type SideRecordings = ReturnType<typeof createSideRecordings>;

/**
 * Starts recording the whole call (it was answered): a snoop channel on the caller's channel.
 * The recording itself starts when the snoop channel enters our app (`onSnoopStarted`). A
 * failure is logged and the call goes on unrecorded.
 */
export async function startCallRecording(ctx: OrchestratorContext, call: LiveCall): Promise<void> {
  const snoopId = snoopChannelId(call.id, call.epoch);
  call.callRecording = { snoopId, recordingId: ctx.ids('rec'), started: false };
  try {
    await ctx.media().snoop(call.channelId, {
      snoopId,
      spy: 'both',
      appArgs: [SNOOP_MARKER, call.id],
    });
  } catch (err) {
    call.callRecording = null;
    ctx.logger.warn({ err, call_id: call.id }, 'call recording not started');
  }
}

/** The snoop channel is in our app: record it, or hang it up when it is not the call's own. */
export async function onSnoopStarted(
  ctx: OrchestratorContext,
  call: LiveCall,
  snoopId: string,
): Promise<void> {
  const recording = call.callRecording;
  if (!call.ended && recording?.snoopId === snoopId && recording.started) return;
  if (call.ended || recording?.snoopId !== snoopId || !recording.recordingId) {
    await ctx.media().hangup(snoopId);
    return;
  }
  try {
    await ctx.media().record(snoopId, {
      name: recording.recordingId,
      maxDurationSec: 0,
      beep: false,
      terminateOn: 'none',
      ifExists: 'fail',
    });
    recording.started = true;
  } catch (err) {
    ctx.logger.warn({ err, call_id: call.id }, 'call recording not started');
    call.callRecording = null;
    await ctx
      .media()
      .hangup(snoopId)
      .catch(() => undefined);
  }
}

/** The call is over: its snoop channel goes too (the PBX also hangs it up with the caller). */
export async function endCallRecording(ctx: OrchestratorContext, call: LiveCall): Promise<void> {
  const recording = call.callRecording;
  call.callRecording = null;
  if (recording) await ctx.media().hangup(recording.snoopId);
}

/**
 * After a restart or reconnect (run on the call's queue, so every event received before it has
 * been handled), a call that records finds its snoop channel on the PBX again: one whose
 * StasisStart was lost with the WebSocket starts recording now; one found after a restart is
 * taken as recording. When the snoop channel is gone, the part recorded so far is lost (logged)
 * and the rest of the call is recorded anew.
 */
export async function ensureCallRecording(
  ctx: OrchestratorContext,
  call: LiveCall,
  channels: ReadonlyMap<string, string>,
): Promise<void> {
  if (!call.record || !call.answered || call.ended) return;
  const snoopId = [...channels.keys()].find((id) => callIdOfSnoop(id) === call.id);
  const current = call.callRecording;
  if (snoopId && current?.snoopId === snoopId) {
    if (!current.started) await onSnoopStarted(ctx, call, snoopId);
    return;
  }
  if (snoopId) {
    call.callRecording = { snoopId, recordingId: null, started: true };
    return;
  }
  ctx.logger.warn({ call_id: call.id }, 'call recording lost on the PBX; recording the rest');
  await startCallRecording(ctx, call);
}

/** Records a dial step's bridge (the leg is bridged). A failure is logged; the dial goes on. */
export async function startDialRecording(
  ctx: OrchestratorContext,
  call: LiveCall,
  bridgeId: string,
  step: string | null,
): Promise<void> {
  const recordingId = ctx.ids('rec');
  ctx.sideRecordings.remember(recordingId, step);
  try {
    await ctx.media().recordBridge(bridgeId, { name: recordingId });
  } catch (err) {
    ctx.sideRecordings.take(recordingId);
    ctx.logger.warn({ err, call_id: call.id, bridge_id: bridgeId }, 'dial recording not started');
  }
}

type RecordingEvent = Extract<MediaEvent, { type: 'recording_finished' | 'recording_failed' }>;

/**
 * A recording ended. True when it was a whole-call or dial recording (recognised by what it
 * recorded): it is then stored in the background for its call, whatever state the call is in.
 */
export function onSideRecordingDone(ctx: OrchestratorContext, event: RecordingEvent): boolean {
  const callId = callIdOfRecordingTarget(event);
  if (!callId) return false;
  const step = ctx.sideRecordings.take(event.name);
  if (event.type === 'recording_failed') {
    ctx.logger.warn({ call_id: callId, name: event.name }, 'call recording failed on the PBX');
    return true;
  }
  const input = { recordingId: event.name, name: event.name, step, durationSec: event.durationSec };
  ctx.sideRecordings.track(
    (async () => {
      const row = await ctx.store.find(callId);
      if (!row) {
        ctx.logger.warn({ call_id: callId, name: event.name }, 'recording of an unknown call');
        return;
      }
      await storeRecording(ctx, { id: row.id, projectId: row.project_id }, input);
    })(),
    { call_id: callId, name: event.name },
  );
  return true;
}
