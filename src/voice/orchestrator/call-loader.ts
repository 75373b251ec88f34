import type { CallRow } from '../calls.store.js';
import { LIVE_STATUSES } from '../call-status.js';
import type { OrchestratorContext } from './context.js';
import { callIdOfChannel, type LiveCall } from './live-call.js';

/** A live call rebuilt from its row: everything the orchestrator needs is persisted there. */
export function liveCallFromRow(row: CallRow): LiveCall {
  return {
    id: row.id,
    projectId: row.project_id,
    channelId: row.channel_id ?? row.id,
    direction: row.direction,
    from: row.from_addr,
    to: row.to_addr,
    answered: row.answered_at !== null,
    rang: row.status !== 'queued' && row.status !== 'initiated',
    canceledByUs: false,
    hungUpByApi: false,
    leaving: false,
    originating: false,
    originatedAt: null,
    record: row.record,
    callRecording: null,
    ended: false,
    definition: row.flow_definition,
    state: row.flow_state,
    waiting: row.flow_command,
    // Media ids carry the epoch: starting from the clock keeps them unique across restarts.
    epoch: Date.now(),
    activity: null,
    queue: Promise.resolve(),
    row,
  };
}

/**
 * Finds a call in the registry, else loads it from its row while it is live (a call started
 * by an orchestrator that restarted). Concurrent loads of one call share one lookup, so a
 * burst of events never builds two copies.
 */
export function createCallLoader(ctx: OrchestratorContext) {
  const loading = new Map<string, Promise<LiveCall | null>>();

  async function load(callId: string): Promise<LiveCall | null> {
    const row = await ctx.store.find(callId);
    if (!row || !LIVE_STATUSES.includes(row.status) || row.status === 'queued') return null;
    const existing = ctx.registry.get(callId);
    if (existing) return existing;
    const call = liveCallFromRow(row);
    ctx.registry.add(call);
    return call;
  }

  async function findCall(callId: string): Promise<LiveCall | null> {
    const known = ctx.registry.get(callId);
    if (known) return known;
    let pending = loading.get(callId);
    if (!pending) {
      const loaded: Promise<LiveCall | null> = load(callId).finally(() => {
        if (loading.get(callId) === loaded) loading.delete(callId);
      });
      pending = loaded;
      loading.set(callId, pending);
    }
    return pending;
  }

  /** The live call owning a channel: ours by its id, an inbound caller's by the stored id. */
  async function findByChannel(channelId: string): Promise<LiveCall | null> {
    const known = ctx.registry.byChannel(channelId);
    if (known) return known;
    const callId = callIdOfChannel(channelId) ?? (await ctx.store.findByChannel(channelId))?.id;
    return callId ? findCall(callId) : null;
  }

  /**
   * Registers the call `create` makes (an outbound call being originated: it is not live before
   * `create` has moved it on) as what lookups of `callId` get meanwhile, so a job or event never
   * loads a second copy. A lookup already under way is waited for, and its call is returned
   * instead when it found one.
   */
  function adopt(callId: string, create: () => Promise<LiveCall | null>): Promise<LiveCall | null> {
    const before = (loading.get(callId) ?? Promise.resolve(null)).catch(() => null);
    const pending: Promise<LiveCall | null> = before
      .then((existing) => existing ?? create())
      .finally(() => {
        if (loading.get(callId) === pending) loading.delete(callId);
      });
    loading.set(callId, pending);
    return pending;
  }

  return { findCall, findByChannel, adopt };
}

export type CallLoader = ReturnType<typeof createCallLoader>;
