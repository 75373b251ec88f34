import type { OrchestratorContext } from './context.js';
import type { CallLoader } from './call-loader.js';
import { ensureCallRecording } from './call-recording.js';
import { adoptDialLeg, endDialLegLost, onLegHangup } from './dial-command.js';
import type { CallDriver } from './flow-driver.js';
import type { LiveCall } from './live-call.js';

/** A call whose channel is gone: noted on its timeline, then ended. */
async function closeLost(ctx: OrchestratorContext, driver: CallDriver, call: LiveCall) {
  await ctx.callEvents.note({ id: call.id, project_id: call.projectId }, 'call.channel_lost', {
    channel_id: call.channelId,
  });
  await driver.end(call, { cause: 0, reason: 'channel_lost' });
}

/**
 * An outbound call whose originate had not returned when the channels were listed: its
 * channel may be missing from the list without being gone. (One that was ringing when the
 * PBX went away, and whose callee left meanwhile, is closed: it stayed `ringing` for ever.)
 */
function dialingSince(call: LiveCall, listedAt: number): boolean {
  return call.originating && (call.originatedAt === null || call.originatedAt > listedAt);
}

/**
 * Squares the calls Postgres says are live with the channels the PBX has, after a (re)connect
 * — events sent while the WebSocket was down are lost, as in ARI itself:
 * - a call whose channel is gone is closed (`call.channel_lost` on its timeline);
 * - a call this process does not run yet (a restart) is loaded and its waiting command
 *   re-issued, but for a dial whose leg the PBX still has, which is taken back;
 * - a running call re-issues a play or gather whose playback end may have been lost, and a
 *   dial whose leg vanished gets its result;
 * - a call recorded as a whole finds its snoop channel again, or records anew when it is gone.
 */
export async function reconcileCalls(
  ctx: OrchestratorContext,
  driver: CallDriver,
  loader: CallLoader,
  reason: 'start' | 'reconnect',
): Promise<void> {
  const listedAt = Date.now();
  const listed = await ctx.media().listChannels();
  /** The PBX's channels, by id: their state. */
  const channels = new Map(listed.map((channel) => [channel.id, channel.state]));
  const rows = await ctx.store.listLive();
  // Past the two listings, nothing throws: a call that cannot be loaded is logged and left to
  // the next reconciliation, so a retry never queues the other calls' work a second time.
  for (const row of rows) {
    const running = ctx.registry.get(row.id);
    const call =
      running ??
      (await loader.findCall(row.id).catch((err: unknown) => {
        ctx.logger.error({ err, call_id: row.id }, 'call not reconciled: it could not be loaded');
        return null;
      }));
    if (!call || dialingSince(call, listedAt)) continue;
    if (!channels.has(call.channelId)) {
      ctx.logger.warn({ call_id: call.id, reason }, 'call channel is gone; closing the call');
      void ctx.registry.enqueue(call, () => closeLost(ctx, driver, call));
      continue;
    }
    const work = running
      ? () => refreshRunning(ctx, driver, call, channels)
      : async () => {
          if (!call.answered) return answerIfUp(driver, call, channels);
          const leg = adoptDialLeg(ctx, call, channels);
          const lost = call.waiting?.type === 'dial' ? call.row.dial_leg : null;
          if (!leg && lost) return endDialLegLost(ctx, driver, call, lost);
          if (!leg) return driver.resume(call);
          if (leg.answered) {
            await driver.guard(call, () =>
              ctx.media().addToBridge(leg.bridgeId, [call.channelId, leg.legId]),
            );
          }
        };
    const answeredBefore = call.answered;
    void ctx.registry.enqueue(call, async () => {
      await work();
      // A call answered just now started its recording with its answer: the listing, taken
      // before, would show it lost and start a second one.
      if (answeredBefore) await ensureCallRecording(ctx, call, channels);
    });
  }
}

/**
 * A call found unanswered after a restart whose answer came while no orchestrator ran: an
 * outbound channel that is up entered the app as the callee answered (its StasisStart is
 * gone), and an inbound call we had not answered yet is answered now. Either runs its flow;
 * an outbound call still ringing waits for its StasisStart as usual. (Such calls stayed
 * `initiated` or `ringing` in silence until the far end hung up.)
 */
async function answerIfUp(
  driver: CallDriver,
  call: LiveCall,
  channels: ReadonlyMap<string, string>,
): Promise<void> {
  if (call.direction === 'inbound') return driver.answer(call, { answerChannel: true });
  if (channels.get(call.channelId) === 'up') return driver.answer(call, { answerChannel: false });
}

async function refreshRunning(
  ctx: OrchestratorContext,
  driver: CallDriver,
  call: LiveCall,
  channels: ReadonlyMap<string, string>,
): Promise<void> {
  const activity = call.activity;
  if (activity?.kind === 'dial' && !channels.has(activity.legId)) {
    await onLegHangup(ctx, driver, call, activity.legId, activity.answered ? 16 : 0);
    return;
  }
  if (activity?.kind === 'play' || activity?.kind === 'collect') {
    await driver.resume(call);
  }
}
