import { liveRecordingJson } from './ari-json.js';
import { finishRecording, readRecordingRequest } from './media.js';
import type { PbxContext, SimBridge, SimRecording } from './pbx-state.js';

/**
 * POST /bridges/{id}/record: the mixed audio of everyone in the bridge. Asterisk records a
 * bridge through a Recorder channel it puts in the bridge, so the recording starts at once
 * (after the beep, when asked), does not wait for other media, and ends with RecordingFinished
 * (the file kept) when it is stopped, at `maxDurationSeconds`, when the bridge is destroyed, or
 * when its last channel leaves. `terminateOn` is accepted and has no effect here. Events go to
 * the app of the bridge's channels (`fallbackApp` for an empty bridge).
 */
export function startBridgeRecording(
  ctx: PbxContext,
  bridge: SimBridge,
  params: Record<string, string>,
  fallbackApp: string,
): SimRecording {
  const request = readRecordingRequest(ctx, params);
  const member = [...bridge.channelIds].map((id) => ctx.state.channels.get(id)).find(Boolean);
  const recording: SimRecording = {
    ...request,
    channelId: '',
    bridgeId: bridge.id,
    app: member?.app ?? fallbackApp,
    state: 'queued',
  };
  ctx.state.liveRecordings.set(recording.name, recording);
  recording.timer = schedule(ctx, recording.beep ? ctx.timing.soundMs : 0, () =>
    begin(ctx, recording),
  );
  return recording;
}

/** The bridge is destroyed or empty: its recordings end and their files are kept. */
export function endBridgeRecordings(ctx: PbxContext, bridgeId: string): void {
  for (const recording of [...ctx.state.liveRecordings.values()]) {
    if (recording.bridgeId === bridgeId) finishRecording(ctx, recording, 'done');
  }
}

/** Clears the timers of every bridge recording (the simulator stops). */
export function clearBridgeRecordingTimers(ctx: PbxContext): void {
  for (const recording of ctx.state.liveRecordings.values()) {
    if (recording.bridgeId && recording.timer) clearTimeout(recording.timer);
  }
}

function begin(ctx: PbxContext, recording: SimRecording): void {
  recording.timer = undefined;
  if (recording.state !== 'queued' || ctx.state.liveRecordings.get(recording.name) !== recording) {
    return;
  }
  recording.state = 'recording';
  recording.startedAt = Date.now();
  ctx.publish(recording.app, 'RecordingStarted', { recording: liveRecordingJson(recording) });
  if (recording.maxDurationSec > 0) {
    recording.timer = schedule(ctx, recording.maxDurationSec * ctx.timing.secondMs, () =>
      finishRecording(ctx, recording, 'done'),
    );
  }
}

/** A timer of a bridge recording (no channel owns it); errors are logged, not thrown. */
function schedule(ctx: PbxContext, ms: number, fn: () => void): NodeJS.Timeout {
  return setTimeout(() => {
    try {
      fn();
    } catch (err) {
      ctx.logger.error({ err }, 'sandbox PBX bridge recording timer failed');
    }
  }, ms);
}
