/**
 * The voice port: everything the call orchestrator may ask of a PBX, and everything it hears back.
 *
 * It is deliberately narrow. It leaves out:
 * - ARI resource objects and ari-client's per-instance event emitters: callers hold plain ids
 *   they chose themselves (channel, playback, bridge, recording names), so a retry or another
 *   orchestrator instance can address the same call without a handle from a previous process;
 * - dialplan origination (`extension`/`context`), early media, mute, hold, whispering, external
 *   media and channel variables: flows do not need them yet;
 * - ARI events the orchestrator does not act on (ChannelCreated, BridgeCreated, Varset, ...);
 * - delivery guarantees: events emitted while the WebSocket is down are lost, as in ARI itself.
 *   On every `{ type: 'connection', up: true }` the orchestrator reconciles with
 *   `listChannels()`.
 *
 * Failures are AppErrors: `ChannelGoneError` (404 `channel_gone`) when the channel no longer
 * exists, 409 `channel_state` when it exists but cannot do that now (not in the Stasis app, not
 * bridged, busy with another operation), 502 `ari_unavailable` (retryable) when the PBX cannot
 * be reached or fails.
 */
export interface MediaControl {
  /** True while the event WebSocket is open; commands may still be sent while it is false. */
  readonly ready: boolean;

  /**
   * Dials `endpoint` into our Stasis app under OUR `channelId`, so events can never arrive for a
   * channel we do not know yet. The answered channel reaches the app as `stasis_start` with
   * `appArgs`; a failed attempt ends with `hangup` (and a `dial` status) and no `stasis_start`.
   * Idempotent while the channel exists: retrying an accepted originate does not dial twice.
   * `appArgs` must not contain commas (ARI joins them with commas).
   */
  originate(input: {
    channelId: string;
    endpoint: string;
    callerId?: string;
    timeoutSec: number;
    appArgs?: string[];
  }): Promise<void>;

  /** Answers a ringing channel that is in the app; a no-op when already up. */
  answer(channelId: string): Promise<void>;

  /**
   * Queues media on the channel (ARI plays one item at a time, in order). `media` is an ARI
   * media URI (`sound:hello`, `digits:123`, `recording:name`) or an `http(s)://` URL, which is
   * sent as `sound:<url>` for Asterisk's HTTP media cache. Ends with `playback_finished`.
   */
  play(channelId: string, playbackId: string, media: string): Promise<void>;

  /** Stops (or unqueues) a playback; one that already finished resolves quietly. */
  stopPlayback(playbackId: string): Promise<void>;

  /**
   * Records what the channel sends (the caller's voice; on a snoop channel, what it spies on)
   * into a stored recording `name` (wav). Ends with `recording_finished` on the terminate key,
   * at `maxDurationSec` or when the channel hangs up (the file is kept), or `recording_failed`.
   * `terminateOn` is `#`, `*`, `any` or `none`; `maxDurationSec` 0 means no limit. An existing
   * recording of that name is overwritten, unless `ifExists` is `fail` (409 `channel_state`).
   */
  record(
    channelId: string,
    input: {
      name: string;
      maxDurationSec: number;
      beep: boolean;
      terminateOn: string;
      ifExists?: 'overwrite' | 'fail';
    },
  ): Promise<void>;

  /**
   * Stops a live recording, keeping its file (it ends with `recording_finished`); one that
   * already ended resolves quietly.
   */
  stopRecording(name: string): Promise<void>;

  /**
   * Creates a snoop channel under OUR id `snoopId` on `channelId`: a channel that carries the
   * audio of `channelId` in the `spy` direction (`in`: what the caller says, `out`: what the
   * caller hears, `both`: the two mixed), without whispering back. It enters our app as
   * `stasis_start` with `appArgs` (no commas) shortly after this resolves, and hangs up with
   * the channel it spies on. Idempotent while the snoop channel exists.
   */
  snoop(
    channelId: string,
    input: { snoopId: string; spy: 'in' | 'out' | 'both'; appArgs?: string[] },
  ): Promise<void>;

  /** Hangs up with an ARI reason (`normal` by default). Idempotent: a gone channel resolves. */
  hangup(channelId: string, reason?: string): Promise<void>;

  /** Creates (or reuses) a mixing bridge with our id. */
  createBridge(bridgeId: string): Promise<void>;

  /** Puts channels (in the app) into the bridge; a gone channel rejects with ChannelGoneError. */
  addToBridge(bridgeId: string, channelIds: string[]): Promise<void>;

  /** Destroys the bridge without hanging up its channels; a gone bridge resolves quietly. */
  destroyBridge(bridgeId: string): Promise<void>;

  /**
   * Records the mixed audio of every channel in the bridge into a stored recording `name`
   * (wav; 409 `channel_state` when that name is taken, 404 `bridge_gone`). Ends with
   * `recording_finished` (with `bridgeId`) when the bridge is destroyed, or at
   * `maxDurationSec` (0 or absent: no limit).
   */
  recordBridge(bridgeId: string, input: { name: string; maxDurationSec?: number }): Promise<void>;

  /**
   * Every channel the PBX has now, with its ARI state in lower case (`up`, `ring`, `ringing`,
   * `down`, ...), for reconciliation after a reconnect.
   */
  listChannels(): Promise<Array<{ id: string; state: string }>>;

  /** The stored recording's audio file (wav). 404 `recording_not_found` when there is none. */
  fetchRecording(name: string): Promise<Buffer>;

  /**
   * Subscribes to normalised events, in the order the PBX sent them. Handler errors (and
   * rejected promises) are caught and logged, never thrown back into the connection.
   * Returns the unsubscribe function.
   */
  onEvent(handler: (event: MediaEvent) => void): () => void;

  /** Stops reconnecting, closes the WebSocket and the HTTP pool. */
  close(): Promise<void>;
}

/**
 * ARI events reduced to what the orchestrator acts on. `state` is the ARI channel state in
 * lower case (`ring`, `ringing`, `up`, ...). `hangup` comes from ChannelDestroyed with the Q.850
 * cause (16 normal, 17 busy, 19 no answer, 34 congestion, ...). `dial` carries ARI's
 * dialstatus (`RINGING`, `ANSWER`, `BUSY`, `NOANSWER`, `CONGESTION`, `CHANUNAVAIL`, `CANCEL`)
 * for our originated channel (`channelId` is the dialling channel, or the peer itself when the
 * PBX originated it). Recording events name what was recorded: `channelId`, or `bridgeId` (and
 * an empty `channelId`) for a bridge recording.
 */
export type MediaEvent =
  | { type: 'stasis_start'; channelId: string; caller: string; dialed: string; args: string[] }
  | { type: 'stasis_end'; channelId: string }
  /** ChannelHangupRequest: the channel is hanging up; its ChannelDestroyed follows. */
  | { type: 'hangup_request'; channelId: string }
  | { type: 'state'; channelId: string; state: 'ringing' | 'up' | string }
  | { type: 'dtmf'; channelId: string; digit: string }
  | { type: 'playback_finished'; playbackId: string; channelId: string }
  | {
      type: 'recording_finished';
      name: string;
      channelId: string;
      bridgeId?: string;
      durationSec: number;
    }
  | { type: 'recording_failed'; name: string; channelId: string; bridgeId?: string }
  | { type: 'hangup'; channelId: string; cause: number; causeText: string }
  | { type: 'dial'; channelId: string; peerId: string; status: string }
  | { type: 'connection'; up: boolean };
