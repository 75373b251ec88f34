import type { MediaEvent } from './media-control.js';

/**
 * Turns one ARI WebSocket message (already JSON-parsed) into a MediaEvent, or null for events
 * the orchestrator does not act on and for anything malformed. Pure: the shapes read here are
 * Asterisk's event models (channel snapshots, `playback`, `recording`, `cause`/`cause_txt`).
 */
export function normaliseAriEvent(message: unknown): MediaEvent | null {
  const event = asRecord(message);
  if (!event) return null;
  const channel = asRecord(event.channel);
  const channelId = text(channel?.id);
  switch (event.type) {
    case 'StasisStart':
      return channelId
        ? {
            type: 'stasis_start',
            channelId,
            caller: text(asRecord(channel?.caller)?.number),
            dialed: text(asRecord(channel?.dialplan)?.exten),
            args: Array.isArray(event.args) ? event.args.map((arg) => String(arg)) : [],
          }
        : null;
    case 'StasisEnd':
      return channelId ? { type: 'stasis_end', channelId } : null;
    case 'ChannelHangupRequest':
      return channelId ? { type: 'hangup_request', channelId } : null;
    case 'ChannelStateChange':
      return channelId
        ? { type: 'state', channelId, state: text(channel?.state).toLowerCase() }
        : null;
    case 'ChannelDtmfReceived':
      return channelId && text(event.digit)
        ? { type: 'dtmf', channelId, digit: text(event.digit) }
        : null;
    case 'ChannelDestroyed':
      return channelId
        ? {
            type: 'hangup',
            channelId,
            cause: typeof event.cause === 'number' ? event.cause : 0,
            causeText: text(event.cause_txt),
          }
        : null;
    case 'Dial':
      return normaliseDial(event);
    case 'PlaybackFinished':
      return normalisePlayback(asRecord(event.playback));
    case 'RecordingFinished':
    case 'RecordingFailed':
      return normaliseRecording(event.type, asRecord(event.recording));
    default:
      return null;
  }
}

/** Only settled or progressing dials matter; the initial empty dialstatus is noise. */
function normaliseDial(event: Record<string, unknown>): MediaEvent | null {
  const peerId = text(asRecord(event.peer)?.id);
  const status = text(event.dialstatus);
  if (!peerId || !status) return null;
  const callerId = text(asRecord(event.caller)?.id);
  return { type: 'dial', channelId: callerId || peerId, peerId, status };
}

function normalisePlayback(playback: Record<string, unknown> | null): MediaEvent | null {
  const playbackId = text(playback?.id);
  if (!playbackId) return null;
  return { type: 'playback_finished', playbackId, channelId: targetChannel(playback?.target_uri) };
}

/**
 * RecordingFinished in a state other than `done` (a cancelled recording) stored nothing, so it
 * is reported as a failure, like RecordingFailed.
 */
function normaliseRecording(
  type: 'RecordingFinished' | 'RecordingFailed',
  recording: Record<string, unknown> | null,
): MediaEvent | null {
  const name = text(recording?.name);
  if (!name) return null;
  const channelId = targetChannel(recording?.target_uri);
  const bridgeId = targetBridge(recording?.target_uri);
  const target = bridgeId ? { channelId, bridgeId } : { channelId };
  const state = text(recording?.state);
  if (type === 'RecordingFailed' || (state !== '' && state !== 'done')) {
    return { type: 'recording_failed', name, ...target };
  }
  const duration = recording?.duration;
  const durationSec = typeof duration === 'number' && duration > 0 ? duration : 0;
  return { type: 'recording_finished', name, ...target, durationSec };
}

/** `channel:<id>` → `<id>`; a bridge target (or none) gives ''. */
function targetChannel(targetUri: unknown): string {
  const uri = text(targetUri);
  return uri.startsWith('channel:') ? uri.slice('channel:'.length) : '';
}

/** `bridge:<id>` → `<id>`; any other target gives ''. */
function targetBridge(targetUri: unknown): string {
  const uri = text(targetUri);
  return uri.startsWith('bridge:') ? uri.slice('bridge:'.length) : '';
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
