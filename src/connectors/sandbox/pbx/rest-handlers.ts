import { bridgeJson, channelJson, liveRecordingJson, playbackJson } from './ari-json.js';
import { startBridgeRecording } from './bridge-recording.js';
import { addChannels, createBridge, destroyBridge, findBridge, removeChannels } from './bridges.js';
import { answer, hangup, originate, snoop } from './channels.js';
import { finishRecording, startPlayback, startRecording, stopPlayback } from './media.js';
import { AriHttpError, findChannel, findStasisChannel, type PbxContext } from './pbx-state.js';

/** What a handler answers: JSON (or nothing) with a status, or a file. */
export type AriReply =
  { status: number; json?: unknown } | { status: number; file: Buffer; contentType: string };

export type AriHandler = (params: Record<string, string>) => AriReply;

const NO_CONTENT: AriReply = { status: 204 };

/**
 * The REST operations, keyed `resource.nickname` as in ari-operations.ts. Status codes and
 * bodies are Asterisk's: 200 with the resource, 201 for a new playback or recording, 204 for
 * commands, `{ "message" }` errors thrown as AriHttpError.
 */
export function createRestHandlers(
  ctx: PbxContext,
  system: { apps(): string[] },
): Record<string, AriHandler> {
  const { state } = ctx;
  return {
    'asterisk.getInfo': () => ({
      status: 200,
      json: { system: { version: '20.0.0-trunkline-sandbox', entity_id: 'sandbox' } },
    }),
    'asterisk.ping': () => ({
      status: 200,
      json: { asterisk_id: 'sandbox', ping: 'pong', timestamp: new Date().toISOString() },
    }),
    'applications.list': () => ({ status: 200, json: system.apps().map(applicationJson) }),
    'applications.get': (p) => {
      if (!system.apps().includes(p.applicationName)) {
        throw new AriHttpError(404, 'Application not found');
      }
      return { status: 200, json: applicationJson(p.applicationName) };
    },
    'channels.list': () => ({ status: 200, json: [...state.channels.values()].map(channelJson) }),
    'channels.originate': (p) => ({ status: 200, json: channelJson(originate(ctx, p)) }),
    'channels.originateWithId': (p) => ({
      status: 200,
      json: channelJson(originate(ctx, p, p.channelId)),
    }),
    'channels.get': (p) => ({ status: 200, json: channelJson(findChannel(ctx, p.channelId)) }),
    'channels.hangup': (p) => {
      hangup(ctx, p.channelId, p.reason);
      return NO_CONTENT;
    },
    'channels.answer': (p) => {
      answer(ctx, findChannel(ctx, p.channelId));
      return NO_CONTENT;
    },
    'channels.ring': (p) => {
      findStasisChannel(ctx, p.channelId);
      return NO_CONTENT;
    },
    'channels.sendDTMF': (p) => {
      findStasisChannel(ctx, p.channelId);
      if (!p.dtmf) throw new AriHttpError(400, 'DTMF is required');
      return NO_CONTENT;
    },
    'channels.play': (p) => play(ctx, p.channelId, p.media, p.playbackId),
    'channels.playWithId': (p) => play(ctx, p.channelId, p.media, p.playbackId),
    'channels.record': (p) => {
      const recording = startRecording(ctx, findStasisChannel(ctx, p.channelId), p);
      return { status: 201, json: liveRecordingJson(recording) };
    },
    'channels.snoopChannel': (p) => ({
      status: 200,
      json: channelJson(snoop(ctx, findChannel(ctx, p.channelId), p)),
    }),
    'channels.snoopChannelWithId': (p) => ({
      status: 200,
      json: channelJson(snoop(ctx, findChannel(ctx, p.channelId), p, p.snoopId)),
    }),
    ...bridgeHandlers(ctx, system.apps()[0] ?? 'trunkline'),
    ...recordingHandlers(ctx),
  };
}

function play(ctx: PbxContext, channelId: string, media: string, playbackId?: string): AriReply {
  const playback = startPlayback(ctx, findStasisChannel(ctx, channelId), media, playbackId);
  return { status: 201, json: playbackJson(playback) };
}

function bridgeHandlers(ctx: PbxContext, defaultApp: string): Record<string, AriHandler> {
  return {
    'bridges.list': () => ({
      status: 200,
      json: [...ctx.state.bridges.values()].map(bridgeJson),
    }),
    'bridges.create': (p) => ({ status: 200, json: bridgeJson(createBridge(ctx, p)) }),
    'bridges.createWithId': (p) => ({
      status: 200,
      json: bridgeJson(createBridge(ctx, p, p.bridgeId)),
    }),
    'bridges.get': (p) => ({ status: 200, json: bridgeJson(findBridge(ctx, p.bridgeId)) }),
    'bridges.destroy': (p) => {
      destroyBridge(ctx, p.bridgeId);
      return NO_CONTENT;
    },
    'bridges.addChannel': (p) => {
      addChannels(ctx, p.bridgeId, p.channel);
      return NO_CONTENT;
    },
    'bridges.removeChannel': (p) => {
      removeChannels(ctx, p.bridgeId, p.channel);
      return NO_CONTENT;
    },
    'bridges.record': (p) => {
      const bridge = findBridge(ctx, p.bridgeId);
      const recording = startBridgeRecording(ctx, bridge, p, defaultApp);
      return { status: 201, json: liveRecordingJson(recording) };
    },
  };
}

function recordingHandlers(ctx: PbxContext): Record<string, AriHandler> {
  const { state } = ctx;
  const live = (name: string) => {
    const recording = state.liveRecordings.get(name);
    if (!recording) throw new AriHttpError(404, 'Recording not found');
    return recording;
  };
  const stored = (name: string) => {
    const recording = state.storedRecordings.get(name);
    if (!recording) throw new AriHttpError(404, 'Recording not found');
    return recording;
  };
  return {
    'playbacks.get': (p) => {
      const playback = state.playbacks.get(p.playbackId);
      if (!playback) throw new AriHttpError(404, 'Playback not found');
      return { status: 200, json: playbackJson(playback) };
    },
    'playbacks.stop': (p) => {
      stopPlayback(ctx, p.playbackId);
      return NO_CONTENT;
    },
    'recordings.listStored': () => ({
      status: 200,
      json: [...state.storedRecordings].map(([name, { format }]) => ({ name, format })),
    }),
    'recordings.getStored': (p) => ({
      status: 200,
      json: { name: p.recordingName, format: stored(p.recordingName).format },
    }),
    'recordings.deleteStored': (p) => {
      stored(p.recordingName);
      state.storedRecordings.delete(p.recordingName);
      return NO_CONTENT;
    },
    'recordings.getStoredFile': (p) => ({
      status: 200,
      file: stored(p.recordingName).audio,
      contentType: 'audio/wav',
    }),
    'recordings.getLive': (p) => ({ status: 200, json: liveRecordingJson(live(p.recordingName)) }),
    'recordings.stop': (p) => {
      finishRecording(ctx, live(p.recordingName), 'done');
      return NO_CONTENT;
    },
    'recordings.cancel': (p) => {
      finishRecording(ctx, live(p.recordingName), 'canceled');
      return NO_CONTENT;
    },
  };
}

function applicationJson(name: string): Record<string, unknown> {
  return { name, channel_ids: [], bridge_ids: [], endpoint_ids: [], device_names: [] };
}
