import { toE164 } from '../../platform/index.js';
import { newCallRow, type CallRow } from '../calls.store.js';
import type { OrchestratorContext } from './context.js';
import type { CallDriver } from './flow-driver.js';
import type { LiveCall } from './live-call.js';
import { liveCallFromRow } from './call-loader.js';

/** What a caller to a number without a flow hears before we hang up. */
export const NOT_IN_SERVICE = 'The number you have dialled is not in service. Goodbye.';
/** Hang up a refused caller after this long even if the playback never reports its end. */
const FAREWELL_LIMIT_MS = 15_000;

/**
 * Inbound calls: `StasisStart` with the DID as first argument. A DID that is a project's
 * number with a flow becomes a call (`ringing`, then answered and running the active version
 * of the number's flow); any other is answered, told it is not in service and hung up.
 */
export function createInboundCalls(ctx: OrchestratorContext, driver: CallDriver) {
  /** Playback id → channel to hang up when the farewell ends. */
  const farewells = new Map<string, { channelId: string; timer: NodeJS.Timeout }>();

  async function refuse(channelId: string, did: string): Promise<void> {
    ctx.logger.warn({ channel_id: channelId, did }, 'inbound call to a number without a flow');
    const playbackId = `${channelId}.farewell`;
    const timer = setTimeout(() => hangUpRefused(playbackId), FAREWELL_LIMIT_MS);
    timer.unref();
    farewells.set(playbackId, { channelId, timer });
    try {
      await ctx.media().answer(channelId);
      await ctx.media().play(channelId, playbackId, await ctx.tts.urlFor({ text: NOT_IN_SERVICE }));
    } catch (err) {
      ctx.logger.info({ err, channel_id: channelId }, 'refused caller already gone');
      await hangUpRefused(playbackId);
    }
  }

  async function hangUpRefused(playbackId: string): Promise<void> {
    const farewell = farewells.get(playbackId);
    if (!farewell) return;
    farewells.delete(playbackId);
    clearTimeout(farewell.timer);
    await ctx
      .media()
      .hangup(farewell.channelId)
      .catch(() => undefined);
  }

  async function createCall(input: {
    channelId: string;
    projectId: string;
    from: string;
    to: string;
    flowId: string;
    version: number | null;
    definition: CallRow['flow_definition'];
  }): Promise<LiveCall> {
    const now = ctx.clock.now();
    const row = newCallRow(
      {
        id: ctx.ids('call'),
        project_id: input.projectId,
        direction: 'inbound',
        to_addr: input.to,
        from_addr: input.from,
        flow_id: input.flowId,
        flow_version: input.version,
        flow_definition: input.definition,
        channel_id: input.channelId,
      },
      now,
    );
    const ringing = await ctx.db.transaction((trx) =>
      ctx.callEvents.insertWithStatus(trx, row, 'ringing'),
    );
    const call = liveCallFromRow(ringing);
    ctx.registry.add(call);
    return call;
  }

  return {
    /**
     * A channel entered the app with a DID: route it to the number's flow or refuse it.
     * Resolves once the call is registered (its flow then runs on the call's queue).
     */
    async accept(event: { channelId: string; caller: string; dialed: string; args: string[] }) {
      // A repeated StasisStart for a caller already taken (events of one channel run in order).
      if (ctx.registry.byChannel(event.channelId)) return;
      const didText = event.args[0] || event.dialed;
      const did = toE164(didText) ?? didText;
      const number = did ? await ctx.findNumber(did) : undefined;
      const flow =
        number?.voice_flow_id &&
        (await ctx.flows.resolveActive(number.project_id, number.voice_flow_id).catch(() => null));
      if (!number || !flow) {
        void refuse(event.channelId, did);
        return;
      }
      const call = await createCall({
        channelId: event.channelId,
        projectId: number.project_id,
        from: toE164(event.caller) ?? (event.caller || 'anonymous'),
        to: number.number,
        flowId: flow.flowId ?? number.voice_flow_id!,
        version: flow.version,
        definition: flow.definition,
      });
      ctx.logger.info({ call_id: call.id, did }, 'inbound call');
      void ctx.registry.enqueue(call, () => driver.answer(call, { answerChannel: true }));
    },
    /** True when the playback was a refusal message (the caller is then hung up). */
    async onPlaybackFinished(playbackId: string): Promise<boolean> {
      if (!farewells.has(playbackId)) return false;
      await hangUpRefused(playbackId);
      return true;
    },
    stop(): void {
      for (const farewell of farewells.values()) clearTimeout(farewell.timer);
      farewells.clear();
    },
  };
}

export type InboundCalls = ReturnType<typeof createInboundCalls>;
