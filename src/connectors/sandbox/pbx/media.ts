import { randomUUID } from 'node:crypto';
import { liveRecordingJson, playbackJson } from './ari-json.js';
import {
  AriHttpError,
  cancelTimer,
  later,
  type MediaJob,
  type PbxContext,
  type SimChannel,
  type SimPlayback,
  type SimRecording,
} from './pbx-state.js';
import { buildToneWav } from './wav.js';

/**
 * Playback and recording on channels. Like Asterisk, a channel runs one media operation at a
 * time: a `record` issued while a prompt plays starts when the prompt ends. A DTMF key does not
 * stop a playback by itself (the application stops it with DELETE /playbacks/{id}).
 */

const FORMATS = new Set(['wav', 'gsm', 'ulaw', 'alaw', 'sln', 'g722', 'wav49']);
const TERMINATE_ON = new Set(['none', 'any', '*', '#']);
const IF_EXISTS = new Set(['fail', 'overwrite', 'append']);

export function startPlayback(
  ctx: PbxContext,
  channel: SimChannel,
  mediaUri: string,
  playbackId: string = randomUUID(),
): SimPlayback {
  if (!mediaUri) throw new AriHttpError(400, 'media must be specified');
  if (ctx.state.playbacks.has(playbackId)) {
    throw new AriHttpError(409, 'A playback with this id already exists');
  }
  const playback: SimPlayback = {
    id: playbackId,
    channelId: channel.id,
    app: channel.app,
    mediaUri,
    state: 'queued',
  };
  ctx.state.playbacks.set(playback.id, playback);
  enqueue(ctx, channel, { kind: 'play', id: playback.id });
  return playback;
}

/** DELETE /playbacks/{id}: a playing or queued playback ends with PlaybackFinished `done`. */
export function stopPlayback(ctx: PbxContext, playbackId: string): void {
  const playback = ctx.state.playbacks.get(playbackId);
  if (!playback) throw new AriHttpError(404, 'Playback not found');
  finishPlayback(ctx, playback, 'done');
}

/** What a record request asks for, checked the way Asterisk checks a channel or bridge record. */
export type RecordingRequest = Pick<
  SimRecording,
  'name' | 'format' | 'maxDurationSec' | 'terminateOn' | 'beep'
>;

/**
 * Reads the query of POST /channels/{id}/record or /bridges/{id}/record: 400 for missing or
 * bad parameters, 422 for an unknown format, 409 when the name is recording now or is stored
 * and `ifExists` is `fail` (the default).
 */
export function readRecordingRequest(
  ctx: PbxContext,
  params: Record<string, string>,
): RecordingRequest {
  const { name, format } = params;
  const terminateOn = params.terminateOn ?? 'none';
  const ifExists = params.ifExists ?? 'fail';
  const maxDurationSec = Number(params.maxDurationSeconds ?? '0');
  if (!name || !format) throw new AriHttpError(400, 'Recording name and format are required');
  if (!TERMINATE_ON.has(terminateOn) || !IF_EXISTS.has(ifExists)) {
    throw new AriHttpError(400, 'Invalid terminateOn or ifExists');
  }
  if (!Number.isInteger(maxDurationSec) || maxDurationSec < 0) {
    throw new AriHttpError(400, 'maxDurationSeconds must be a non-negative integer');
  }
  if (!FORMATS.has(format)) throw new AriHttpError(422, 'Unknown recording format');
  const exists = ctx.state.storedRecordings.has(name) && ifExists === 'fail';
  if (ctx.state.liveRecordings.has(name) || exists) {
    throw new AriHttpError(409, 'A recording with the same name already exists');
  }
  return { name, format, maxDurationSec, terminateOn, beep: params.beep === 'true' };
}

export function startRecording(
  ctx: PbxContext,
  channel: SimChannel,
  params: Record<string, string>,
): SimRecording {
  const recording: SimRecording = {
    ...readRecordingRequest(ctx, params),
    channelId: channel.id,
    app: channel.app,
    state: 'queued',
  };
  ctx.state.liveRecordings.set(recording.name, recording);
  enqueue(ctx, channel, { kind: 'record', name: recording.name });
  return recording;
}

/**
 * Ends a live recording (of a channel or a bridge): `done` stores the file, `canceled` discards
 * it; one that never started fails.
 */
export function finishRecording(
  ctx: PbxContext,
  recording: SimRecording,
  outcome: 'done' | 'canceled',
): void {
  if (recording.state !== 'queued' && recording.state !== 'recording') return;
  const channel = recording.bridgeId ? undefined : ctx.state.channels.get(recording.channelId);
  if (channel) cancelTimer(channel, recording.timer);
  else if (recording.timer) clearTimeout(recording.timer);
  ctx.state.liveRecordings.delete(recording.name);
  if (recording.state === 'queued') {
    recording.state = 'failed';
    recording.cause = outcome === 'canceled' ? 'Canceled' : 'Channel hung up before recording';
    ctx.publish(recording.app, 'RecordingFailed', {
      recording: liveRecordingJson(recording),
    });
  } else {
    const elapsedMs = Date.now() - (recording.startedAt ?? Date.now());
    recording.durationSec = Math.round(elapsedMs / ctx.timing.secondMs);
    recording.state = outcome;
    if (outcome === 'done')
      storeRecording(ctx, recording, (elapsedMs * 1000) / ctx.timing.secondMs);
    ctx.publish(recording.app, 'RecordingFinished', {
      recording: liveRecordingJson(recording),
    });
  }
  if (channel) jobDone(ctx, channel, { kind: 'record', name: recording.name });
}

/** A key pressed on the channel ends a recording whose terminateOn matches it. */
export function handleDtmfForMedia(ctx: PbxContext, channel: SimChannel, digit: string): void {
  const job = channel.activeMedia;
  if (job?.kind !== 'record') return;
  const recording = ctx.state.liveRecordings.get(job.name);
  if (!recording || recording.state !== 'recording') return;
  if (recording.terminateOn === 'any' || recording.terminateOn === digit) {
    finishRecording(ctx, recording, 'done');
  }
}

/** On hang-up: playbacks end, a running recording is kept (Asterisk keeps the file). */
export function endMediaOnHangup(ctx: PbxContext, channel: SimChannel): void {
  const jobs = [channel.activeMedia, ...channel.mediaQueue];
  channel.activeMedia = undefined;
  channel.mediaQueue = [];
  for (const job of jobs) {
    if (job?.kind === 'play') {
      const playback = ctx.state.playbacks.get(job.id);
      if (playback) finishPlayback(ctx, playback, 'done');
    } else if (job?.kind === 'record') {
      const recording = ctx.state.liveRecordings.get(job.name);
      if (recording) finishRecording(ctx, recording, 'done');
    }
  }
}

function enqueue(ctx: PbxContext, channel: SimChannel, job: MediaJob): void {
  channel.mediaQueue.push(job);
  if (!channel.activeMedia) runNext(ctx, channel);
}

function runNext(ctx: PbxContext, channel: SimChannel): void {
  const job = channel.mediaQueue.shift();
  channel.activeMedia = job;
  if (job?.kind === 'play') {
    const playback = ctx.state.playbacks.get(job.id);
    if (playback) {
      beginPlayback(ctx, channel, playback).catch((err: unknown) =>
        ctx.logger.error({ err, playbackId: playback.id }, 'sandbox PBX playback failed'),
      );
    }
  } else if (job?.kind === 'record') {
    const recording = ctx.state.liveRecordings.get(job.name);
    if (recording)
      later(ctx, channel, recording.beep ? ctx.timing.soundMs : 0, () =>
        begin(ctx, channel, recording),
      );
  }
}

function begin(ctx: PbxContext, channel: SimChannel, recording: SimRecording): void {
  if (recording.state !== 'queued') return;
  recording.state = 'recording';
  recording.startedAt = Date.now();
  ctx.publish(channel.app, 'RecordingStarted', { recording: liveRecordingJson(recording) });
  if (recording.maxDurationSec > 0) {
    recording.timer = later(ctx, channel, recording.maxDurationSec * ctx.timing.secondMs, () =>
      finishRecording(ctx, recording, 'done'),
    );
  }
}

async function beginPlayback(ctx: PbxContext, channel: SimChannel, playback: SimPlayback) {
  const durationMs = await resolvePlaybackMs(ctx, playback.mediaUri);
  if (playback.state !== 'queued' || !ctx.state.channels.has(channel.id)) return;
  if (durationMs === undefined) {
    finishPlayback(ctx, playback, 'failed');
    return;
  }
  playback.state = 'playing';
  ctx.publish(channel.app, 'PlaybackStarted', { playback: playbackJson(playback) });
  playback.timer = later(ctx, channel, durationMs, () => finishPlayback(ctx, playback, 'done'));
}

function finishPlayback(ctx: PbxContext, playback: SimPlayback, state: 'done' | 'failed'): void {
  if (playback.state === 'done' || playback.state === 'failed') return;
  const channel = ctx.state.channels.get(playback.channelId);
  if (channel) cancelTimer(channel, playback.timer);
  playback.state = state;
  ctx.state.playbacks.delete(playback.id);
  ctx.publish(playback.app, 'PlaybackFinished', {
    playback: playbackJson(playback),
  });
  if (channel) jobDone(ctx, channel, { kind: 'play', id: playback.id });
}

function jobDone(ctx: PbxContext, channel: SimChannel, job: MediaJob): void {
  const key = jobKey(job);
  if (channel.activeMedia && jobKey(channel.activeMedia) === key) {
    runNext(ctx, channel);
  } else {
    channel.mediaQueue = channel.mediaQueue.filter((queued) => jobKey(queued) !== key);
  }
}

function jobKey(job: MediaJob): string {
  return job.kind === 'play' ? `play:${job.id}` : `record:${job.name}`;
}

/**
 * How long media plays: `sound:<file>` soundMs; `sound:http(s)://…` by the host's
 * fetchMediaDurationMs, else by the length of its `text` query parameter, else soundMs;
 * digits/characters soundMs per character. Undefined (the playback fails) for schemes
 * Asterisk does not know — including a bare URL without `sound:`.
 */
async function resolvePlaybackMs(ctx: PbxContext, mediaUri: string): Promise<number | undefined> {
  const colon = mediaUri.indexOf(':');
  const scheme = colon > 0 ? mediaUri.slice(0, colon) : '';
  const value = mediaUri.slice(colon + 1);
  const { soundMs, playMsPerChar } = ctx.timing;
  if (scheme === 'sound' && /^https?:\/\//i.test(value)) {
    if (ctx.fetchMediaDurationMs) {
      try {
        return await ctx.fetchMediaDurationMs(value);
      } catch (err) {
        ctx.logger.warn({ err, url: value }, 'sandbox PBX could not fetch media');
        return undefined;
      }
    }
    const text = URL.canParse(value) ? new URL(value).searchParams.get('text') : null;
    return text ? text.length * playMsPerChar : soundMs;
  }
  if (scheme === 'digits' || scheme === 'characters') return soundMs * Math.max(1, value.length);
  if (['sound', 'number', 'tone', 'recording'].includes(scheme) && value) return soundMs;
  return undefined;
}

function storeRecording(ctx: PbxContext, recording: SimRecording, audioMs: number): void {
  const audio = ctx.state.plantedAudio.get(recording.name) ?? buildToneWav(audioMs);
  ctx.state.storedRecordings.set(recording.name, { format: recording.format, audio });
}
