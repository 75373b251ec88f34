import type { Logger } from '../../../platform/index.js';
import type { AriEventType } from './ari-models.js';

/** How fast the simulated world moves; every field has a small default fit for tests. */
export interface PbxTiming {
  /** Originate → the far end starts ringing. */
  ringMs: number;
  /** Ringing → the far end answers. */
  answerMs: number;
  /** Playback length per character of TTS text (the `text` query parameter of a media URL). */
  playMsPerChar: number;
  /** Playback length of a `sound:` file, and of a URL without text. */
  soundMs: number;
  /** Cap on ringing before a no-answer, whatever the originate timeout says. */
  maxRingMs?: number;
  /** Real milliseconds per telephony second: scales originate timeouts, recording limits and
   * reported recording durations. */
  secondMs: number;
  /** Gap between injected DTMF digits. */
  dtmfMs: number;
}

/** ARI channel states used here. */
export type ChannelState = 'Down' | 'Ring' | 'Ringing' | 'Up';

export type MediaJob = { kind: 'play'; id: string } | { kind: 'record'; name: string };

export interface SimChannel {
  id: string;
  name: string;
  state: ChannelState;
  direction: 'inbound' | 'outbound';
  callerName: string;
  callerNumber: string;
  /** The number dialled (outbound) or the DID (inbound). */
  dialed: string;
  dialstring: string;
  exten: string;
  context: string;
  app: string;
  appArgs: string[];
  inStasis: boolean;
  createdAt: Date;
  bridgeId?: string;
  /** A snoop channel: the id of the channel it spies on (it hangs up with that channel). */
  spying?: string;
  /** Media operations run one at a time, in order, like Asterisk's channel control queue. */
  mediaQueue: MediaJob[];
  activeMedia?: MediaJob;
  timers: Set<NodeJS.Timeout>;
}

export interface SimPlayback {
  id: string;
  channelId: string;
  app: string;
  mediaUri: string;
  state: 'queued' | 'playing' | 'done' | 'failed';
  timer?: NodeJS.Timeout;
}

export interface SimRecording {
  name: string;
  /** The recorded channel; '' for a bridge recording. */
  channelId: string;
  /** The recorded bridge, for a bridge recording. */
  bridgeId?: string;
  app: string;
  format: string;
  state: 'queued' | 'recording' | 'done' | 'failed' | 'canceled';
  maxDurationSec: number;
  terminateOn: string;
  beep: boolean;
  startedAt?: number;
  durationSec?: number;
  cause?: string;
  timer?: NodeJS.Timeout;
}

export interface SimBridge {
  id: string;
  name: string;
  channelIds: Set<string>;
  createdAt: Date;
}

export interface StoredRecording {
  format: string;
  audio: Buffer;
}

/** Everything the simulated PBX knows; lost on stop(), like a restarted Asterisk. */
export interface PbxState {
  channels: Map<string, SimChannel>;
  playbacks: Map<string, SimPlayback>;
  liveRecordings: Map<string, SimRecording>;
  storedRecordings: Map<string, StoredRecording>;
  /** Audio planted by setRecordingAudio, used when that recording finishes. */
  plantedAudio: Map<string, Buffer>;
  bridges: Map<string, SimBridge>;
  sequence: number;
}

export function createPbxState(): PbxState {
  return {
    channels: new Map(),
    playbacks: new Map(),
    liveRecordings: new Map(),
    storedRecordings: new Map(),
    plantedAudio: new Map(),
    bridges: new Map(),
    sequence: 0,
  };
}

/** Shared by the engine modules: state, clocks, and the way out to the WebSocket clients. */
export interface PbxContext {
  state: PbxState;
  timing: PbxTiming;
  logger: Logger;
  /** Remote media length, if the host wired one (see PbxSimulatorOptions). */
  fetchMediaDurationMs?: (url: string) => Promise<number | undefined>;
  /** Sends an event to the app's WebSocket (dropped when none is connected, as in Asterisk). */
  publish(app: string, type: AriEventType, body: Record<string, unknown>): void;
  /** True while a WebSocket is subscribed to the app. */
  isAppConnected(app: string): boolean;
}

/** An ARI error answer: the HTTP status and Asterisk's `{ "message" }`. */
export class AriHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs `fn` after `ms` unless the channel is destroyed first (destroying clears its timers);
 * errors are logged, not thrown. Returns the timer so an operation can cancel it early.
 */
export function later(
  ctx: PbxContext,
  channel: SimChannel,
  ms: number,
  fn: () => void,
): NodeJS.Timeout {
  const timer = setTimeout(() => {
    channel.timers.delete(timer);
    try {
      fn();
    } catch (err) {
      ctx.logger.error({ err, channelId: channel.id }, 'sandbox PBX timer failed');
    }
  }, ms);
  channel.timers.add(timer);
  return timer;
}

export function cancelTimer(channel: SimChannel, timer: NodeJS.Timeout | undefined): void {
  if (!timer) return;
  clearTimeout(timer);
  channel.timers.delete(timer);
}

export function findChannel(ctx: PbxContext, id: string): SimChannel {
  const channel = ctx.state.channels.get(id);
  if (!channel) throw new AriHttpError(404, 'Channel not found');
  return channel;
}

/** Channel operations other than hangup require the channel to be in the Stasis app. */
export function findStasisChannel(ctx: PbxContext, id: string): SimChannel {
  const channel = findChannel(ctx, id);
  if (!channel.inStasis) throw new AriHttpError(409, 'Channel not in Stasis application');
  return channel;
}

/** Asterisk-style unique ids (`<epoch seconds>.<sequence>`) for channels we name ourselves. */
export function nextUniqueId(ctx: PbxContext): string {
  ctx.state.sequence += 1;
  return `${Math.floor(Date.now() / 1000)}.${ctx.state.sequence}`;
}
