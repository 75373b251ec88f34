import type { SimBridge, SimChannel, SimPlayback, SimRecording } from './pbx-state.js';

/** The entity id Asterisk stamps on events (its system MAC by default). */
export const ASTERISK_ID = '02:00:00:5a:4e:d0';

/** Asterisk prints times as `2026-01-01T00:00:00.000+0000`. */
export function formatAsteriskTime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

/** The Q.850 causes the simulator produces, with Asterisk's texts. */
export const CAUSES = {
  normal: { code: 16, text: 'Normal Clearing' },
  busy: { code: 17, text: 'User busy' },
  noAnswer: { code: 19, text: 'User alerting, no answer' },
  congestion: { code: 34, text: 'Circuit/channel congestion' },
} as const;

export type Cause = { code: number; text: string };

/** DELETE /channels/{id}?reason= values (ARI's list) and the cause each one sets. */
export const HANGUP_REASONS: Record<string, Cause> = {
  normal: CAUSES.normal,
  busy: CAUSES.busy,
  congestion: CAUSES.congestion,
  no_answer: CAUSES.noAnswer,
  timeout: CAUSES.noAnswer,
  rejected: { code: 21, text: 'Call Rejected' },
  unallocated: { code: 1, text: 'Unallocated (unassigned) number' },
  normal_unspecified: { code: 31, text: 'Normal, unspecified' },
  number_incomplete: { code: 28, text: 'Invalid number format' },
  codec_mismatch: { code: 58, text: 'Bearer capability not available' },
  interworking: { code: 127, text: 'Interworking, unspecified' },
  failure: { code: 38, text: 'Network out of order' },
  answered_elsewhere: { code: 26, text: 'Answered elsewhere' },
};

/** A channel snapshot as ARI sends it in responses and events. */
export function channelJson(channel: SimChannel): Record<string, unknown> {
  return {
    id: channel.id,
    name: channel.name,
    state: channel.state,
    protocol_id: '',
    caller: { name: channel.callerName, number: channel.callerNumber },
    connected: {
      name: '',
      number: channel.direction === 'outbound' ? channel.dialed : '',
    },
    accountcode: '',
    dialplan: {
      context: channel.context,
      exten: channel.exten,
      priority: 1,
      app_name: channel.inStasis ? 'Stasis' : '',
      app_data: channel.inStasis ? [channel.app, ...channel.appArgs].join(',') : '',
    },
    creationtime: formatAsteriskTime(channel.createdAt),
    language: 'en',
  };
}

export function playbackJson(playback: SimPlayback): Record<string, unknown> {
  return {
    id: playback.id,
    media_uri: playback.mediaUri,
    target_uri: `channel:${playback.channelId}`,
    language: 'en',
    state: playback.state,
  };
}

export function liveRecordingJson(recording: SimRecording): Record<string, unknown> {
  const json: Record<string, unknown> = {
    name: recording.name,
    format: recording.format,
    state: recording.state,
    target_uri: recording.bridgeId
      ? `bridge:${recording.bridgeId}`
      : `channel:${recording.channelId}`,
  };
  if (recording.durationSec !== undefined) {
    json.duration = recording.durationSec;
    json.talking_duration = recording.durationSec;
    json.silence_duration = 0;
  }
  if (recording.cause) json.cause = recording.cause;
  return json;
}

export function bridgeJson(bridge: SimBridge): Record<string, unknown> {
  return {
    id: bridge.id,
    technology: 'simple_bridge',
    bridge_type: 'mixing',
    bridge_class: 'stasis',
    creator: 'Stasis',
    name: bridge.name,
    channels: [...bridge.channelIds],
    creationtime: formatAsteriskTime(bridge.createdAt),
    video_mode: 'none',
  };
}
