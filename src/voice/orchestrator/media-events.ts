import type { MediaEvent } from '../../connectors/index.js';
import type { CallLoader } from './call-loader.js';
import { onSideRecordingDone, onSnoopStarted } from './call-recording.js';
import type { OrchestratorContext } from './context.js';
import { DIAL_LEG_MARKER, onLegAnswered, onLegHangup } from './dial-command.js';
import type { CallDriver } from './flow-driver.js';
import type { InboundCalls } from './inbound.js';
import { createEventLanes } from './event-lanes.js';
import { callIdOfChannel, type LiveCall } from './live-call.js';
import { onCollectKey, onPlaybackFinished } from './play-commands.js';
import { onRecordingDone, onRecordKey } from './record-command.js';
import { callIdOfRecordingTarget, callIdOfSnoop, SNOOP_MARKER } from './recording-ids.js';

/** The first StasisStart argument of an outbound call we originated through the API. */
export const OUTBOUND_CALL_MARKER = 'trunkline-call';

/** StasisStart markers of channels we created for a call (the call id is the second argument). */
const OUR_MARKERS = new Set([OUTBOUND_CALL_MARKER, DIAL_LEG_MARKER, SNOOP_MARKER]);

type ChannelEvent = Exclude<MediaEvent, { type: 'connection' } | { type: 'stasis_start' }>;

/**
 * Turns ARI events into work on calls. Routing (finding the call, creating an inbound one)
 * runs one event at a time per call, in the order the PBX sent them (a lane per call: see
 * `laneOf`), and calls in parallel, so an inbound call being accepted never holds up another
 * call's events. The work itself is queued on the call, in the same order.
 */
export function createMediaEventRouter(deps: {
  ctx: OrchestratorContext;
  driver: CallDriver;
  inbound: InboundCalls;
  loader: CallLoader;
  onConnection(up: boolean): Promise<void>;
}) {
  const { ctx, driver, inbound, loader } = deps;
  const lanes = createEventLanes(() => undefined);

  /** Ringing is reported twice (state, then dial status): it is written once. */
  async function markRinging(call: LiveCall): Promise<void> {
    if (call.answered || call.rang) return;
    call.row = (await ctx.callEvents.moveStatusFrom(call.row, 'ringing')) ?? call.row;
    call.rang = true;
  }

  /** What a channel of ours entering the app means for its call. */
  function startWork(marker: string, call: LiveCall, channelId: string): () => Promise<void> {
    if (marker === DIAL_LEG_MARKER) {
      return () => driver.guard(call, () => onLegAnswered(ctx, call, channelId));
    }
    if (marker === SNOOP_MARKER) return () => onSnoopStarted(ctx, call, channelId);
    return () => driver.answer(call, { answerChannel: false });
  }

  async function onStasisStart(event: Extract<MediaEvent, { type: 'stasis_start' }>) {
    const [marker, callId] = event.args;
    if (OUR_MARKERS.has(marker)) {
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
      case 'hangup_request':
        return own
          ? async () => {
              call.leaving = true;
            }
          : null;
      case 'state':
        return own && event.state === 'ringing' ? () => markRinging(call) : null;
      case 'dial':
        return own && event.status === 'RINGING' ? () => markRinging(call) : null;
      case 'dtmf':
        return own
          ? async () => {
              await onRecordKey(ctx, call, event.digit);
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

  /** The lane of a call: its caller's channel id, known before an inbound call has a row. */
  function laneOfCall(callId: string): string {
    return ctx.registry.get(callId)?.channelId ?? callId;
  }

  function laneOfChannel(channelId: string): string {
    const call = ctx.registry.byChannel(channelId);
    if (call) return call.channelId;
    const callId = callIdOfSnoop(channelId) ?? callIdOfChannel(channelId);
    return callId ? laneOfCall(callId) : channelId;
  }

  /**
   * Events of one call share a lane whichever of its channels they are about: the caller's
   * (before and after an inbound call is registered), a dialled leg, a snoop channel, a dial
   * bridge's recording.
   */
  function laneOf(event: Exclude<MediaEvent, { type: 'connection' }>): string {
    if (event.type === 'stasis_start') {
      const [marker, callId] = event.args;
      return callId && OUR_MARKERS.has(marker) ? laneOfCall(callId) : event.channelId;
    }
    if (event.type === 'recording_finished' || event.type === 'recording_failed') {
      const callId = event.bridgeId ? callIdOfRecordingTarget(event) : null;
      if (callId) return laneOfCall(callId);
    }
    return laneOfChannel(event.channelId);
  }

  return function handle(event: MediaEvent): void {
    const routeLogged = () =>
      route(event).catch((err: unknown) =>
        ctx.logger.error({ err, event: event.type }, 'media event failed'),
      );
    if (event.type === 'connection') lanes.barrier(routeLogged);
    else lanes.run(laneOf(event), routeLogged);
  };
}
