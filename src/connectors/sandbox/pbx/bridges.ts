import { bridgeJson, channelJson } from './ari-json.js';
import { endBridgeRecordings } from './bridge-recording.js';
import { AriHttpError, type PbxContext, type SimBridge, type SimChannel } from './pbx-state.js';

/**
 * Mixing bridges. Channels entering and leaving raise ChannelEnteredBridge / ChannelLeftBridge
 * to the channel's app; destroying a bridge leaves its channels up, as in Asterisk. A bridge
 * recording ends when the bridge is destroyed or its last channel leaves.
 */

const BRIDGE_TYPES = new Set(['mixing', 'holding', 'dtmf_events', 'proxy_media', 'video_sfu']);

/** POST /bridges and /bridges/{id}: creates the bridge, or returns it when the id exists. */
export function createBridge(
  ctx: PbxContext,
  params: Record<string, string>,
  bridgeId = params.bridgeId,
): SimBridge {
  const types = (params.type ?? 'mixing').split(',').filter(Boolean);
  if (types.some((type) => !BRIDGE_TYPES.has(type))) {
    throw new AriHttpError(400, 'Invalid bridge type');
  }
  const id = bridgeId || `bridge-${ctx.state.sequence + 1}`;
  ctx.state.sequence += 1;
  const existing = ctx.state.bridges.get(id);
  if (existing) return existing;
  const bridge: SimBridge = {
    id,
    name: params.name ?? '',
    channelIds: new Set(),
    createdAt: new Date(),
  };
  ctx.state.bridges.set(id, bridge);
  return bridge;
}

export function findBridge(ctx: PbxContext, bridgeId: string): SimBridge {
  const bridge = ctx.state.bridges.get(bridgeId);
  if (!bridge) throw new AriHttpError(404, 'Bridge not found');
  return bridge;
}

export function destroyBridge(ctx: PbxContext, bridgeId: string): void {
  const bridge = findBridge(ctx, bridgeId);
  for (const channelId of [...bridge.channelIds]) {
    const channel = ctx.state.channels.get(channelId);
    if (channel) leaveBridge(ctx, channel);
  }
  endBridgeRecordings(ctx, bridgeId);
  ctx.state.bridges.delete(bridgeId);
}

/**
 * POST /bridges/{id}/addChannel: every channel must exist (else 400, as ARI answers here) and
 * be in the Stasis app (else 422). A channel in another bridge moves.
 */
export function addChannels(ctx: PbxContext, bridgeId: string, channelParam: string): void {
  const bridge = findBridge(ctx, bridgeId);
  const channels = parseChannels(ctx, channelParam);
  if (channels.some((channel) => !channel.inStasis)) {
    throw new AriHttpError(422, 'Channel not in Stasis application');
  }
  for (const channel of channels) {
    if (channel.bridgeId === bridge.id) continue;
    if (channel.bridgeId) leaveBridge(ctx, channel);
    bridge.channelIds.add(channel.id);
    channel.bridgeId = bridge.id;
    ctx.publish(channel.app, 'ChannelEnteredBridge', {
      bridge: bridgeJson(bridge),
      channel: channelJson(channel),
    });
  }
}

export function removeChannels(ctx: PbxContext, bridgeId: string, channelParam: string): void {
  const bridge = findBridge(ctx, bridgeId);
  const channels = parseChannels(ctx, channelParam);
  if (channels.some((channel) => channel.bridgeId !== bridge.id)) {
    throw new AriHttpError(422, 'Channel not in this bridge');
  }
  for (const channel of channels) leaveBridge(ctx, channel);
}

/** Takes the channel out of its bridge (on removal, destruction or hang-up). */
export function leaveBridge(ctx: PbxContext, channel: SimChannel): void {
  const bridge = channel.bridgeId ? ctx.state.bridges.get(channel.bridgeId) : undefined;
  channel.bridgeId = undefined;
  if (!bridge) return;
  bridge.channelIds.delete(channel.id);
  ctx.publish(channel.app, 'ChannelLeftBridge', {
    bridge: bridgeJson(bridge),
    channel: channelJson(channel),
  });
  if (bridge.channelIds.size === 0) endBridgeRecordings(ctx, bridge.id);
}

function parseChannels(ctx: PbxContext, channelParam: string): SimChannel[] {
  const ids = (channelParam ?? '').split(',').filter(Boolean);
  if (ids.length === 0) throw new AriHttpError(400, 'Missing parameter channel');
  return ids.map((id) => {
    const channel = ctx.state.channels.get(id);
    if (!channel) throw new AriHttpError(400, 'Channel not found');
    return channel;
  });
}
