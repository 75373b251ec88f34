import type { MediaEvent } from '../../connectors/index.js';
import type { CallLoader } from './call-loader.js';
import { onSideRecordingDone, onSnoopStarted } from './call-recording.js';
import type { OrchestratorContext } from './context.js';
import { DIAL_LEG_MARKER, onLegAnswered, onLegHangup } from './dial-command.js';
import type { CallDriver } from './flow-driver.js';
import type { InboundCalls } from './inbound.js';
import type { LiveCall } from './live-call.js';
import { onCollectKey, onPlaybackFinished } from './play-commands.js';
import { onRecordingDone, onRecordKey } from './record-command.js';
import { callIdOfSnoop, SNOOP_MARKER } from './recording-ids.js';

/** The first StasisStart argument of an outbound call we originated through the API. */
export const OUTBOUND_CALL_MARKER = 'trunkline-call';

type ChannelEvent = Exclude<MediaEvent, { type: 'connection' } | { type: 'stasis_start' }>;

/**
 * Turns ARI events into work on calls. Routing (finding the call, creating an inbound one)
 * runs for one event at a time, in the order the PBX sent them; the work itself is queued on
 * the call, so a slow step on one call never holds up another.
 */
export function createMediaEventRouter(deps: {
  ctx: OrchestratorContext;
  driver: CallDriver;
  inbound: InboundCalls;
  loader: CallLoader;
  onConnection(up: boolean): Promise<void>;
}) {
  const { ctx, driver, inbound, loader } = deps;
  let routing: Promise<void> = Promise.resolve();

  async function markRinging(call: LiveCall): Promise<void> {
    if (call.answered) return;
    await ctx.db.transaction(async (trx) => {
      const row = await ctx.store.lock(trx, call.id);
      if (row) await ctx.callEvents.changeStatus(trx, row, 'ringing');
    });
  }

  /** What a channel of ours entering the app means for its call. */
  function startWork(marker: string, call: LiveCall, channelId: string): () => Promise<void> {
    if (marker === DIAL_LEG_MARKER) return () => onLegAnswered(ctx, call, channelId);
    if (marker === SNOOP_MARKER) return () => onSnoopStarted(ctx, call, channelId);
    return () => driver.answer(call, { answerChannel: false });
  }

  async function onStasisStart(event: Extract<MediaEvent, { type: 'stasis_start' }>) {
    const [marker, callId] = event.args;
    if (marker === DIAL_LEG_MARKER || marker === OUTBOUND_CALL_MARKER || marker === SNOOP_MARKER) {
      const call = callId ? await loader.findCall(callId) : null;
      if (!call) {
        await ctx.media().hangup(event.channelId);
        return;
      }
      void ctx.registry.enqueue(call, startWork(marker, call, event.channelId));
      return;
    }
    await inbound.accept(event);
  }

  /** A snoop channel's own events mean nothing to the flow; its hang-up ends the recording. */
  function onSnoopEvent(callId: string, event: ChannelEvent): void {
    const call = ctx.registry.get(callId);
    if (!call || event.type !== 'hangup') return;
    void ctx.registry.enqueue(call, async () => {
      if (call.callRecording?.snoopId === event.channelId) call.callRecording = null;
    });
  }

  /** The work one channel event means for its call. */
  function workFor(call: LiveCall, event: ChannelEvent): (() => Promise<void>) | null {
    const own = event.channelId === call.channelId;
    switch (event.type) {
      case 'hangup':
        return own
          ? () => driver.end(call, { cause: event.cause })
          : () => onLegHangup(ctx, driver, call, event.channelId, event.cause);
      case 'state':
        return own && event.state === 'ringing' ? () => markRinging(call) : null;
      case 'dial':
        return own && event.status === 'RINGING' ? () => markRinging(call) : null;
      case 'dtmf':
        return own
          ? async () => {
              onRecordKey(call, event.digit);
              await onCollectKey(ctx, call, event.digit);
            }
          : null;
      case 'playback_finished':
        return () => onPlaybackFinished(driver, call, event.playbackId);
      case 'recording_finished':
        return () => onRecordingDone(ctx, driver, call, { ...event, failed: false });
      case 'recording_failed':
        return () => onRecordingDone(ctx, driver, call, { ...event, durationSec: 0, failed: true });
      default:
        return null;
    }
  }

  async function route(event: MediaEvent): Promise<void> {
    if (event.type === 'connection') return deps.onConnection(event.up);
    if (event.type === 'stasis_start') return onStasisStart(event);
    if (
      event.type === 'playback_finished' &&
      (await inbound.onPlaybackFinished(event.playbackId))
    ) {
      return;
    }
    if (
      (event.type === 'recording_finished' || event.type === 'recording_failed') &&
      onSideRecordingDone(ctx, event)
    ) {
      return;
    }
    if (!event.channelId || event.type === 'stasis_end') return;
    const snoopOf = callIdOfSnoop(event.channelId);
    if (snoopOf) return onSnoopEvent(snoopOf, event);
    const call = await loader.findByChannel(event.channelId);
    if (!call) return;
    const work = workFor(call, event);
    if (work) void ctx.registry.enqueue(call, work);
  }

  return function handle(event: MediaEvent): void {
    routing = routing
      .then(() => route(event))
      .catch((err: unknown) => ctx.logger.error({ err, event: event.type }, 'media event failed'));
  };
}
