import { CAUSES, HANGUP_REASONS, channelJson, type Cause } from './ari-json.js';
import { leaveBridge } from './bridges.js';
import {
  channelNameFor,
  decideDialOutcome,
  parseCallerId,
  parseDialedNumber,
  type DialOutcome,
} from './dial-outcome.js';
import { endMediaOnHangup, handleDtmfForMedia } from './media.js';
import {
  AriHttpError,
  findChannel,
  later,
  nextUniqueId,
  type ChannelState,
  type PbxContext,
  type SimChannel,
} from './pbx-state.js';

/**
 * Channel lifecycles, in the order Asterisk reports them to a Stasis app:
 * - originate into the app: Down → Dial "" → ChannelStateChange Ringing + Dial RINGING →
 *   ChannelStateChange Up + Dial ANSWER → StasisStart (with appArgs). Busy, failed and
 *   no-answer end with Dial BUSY/CONGESTION/NOANSWER and ChannelDestroyed (17/34/19), and no
 *   StasisStart;
 * - inbound: a Ring channel enters the app with StasisStart, args `[DID]`;
 * - hang-up by the app (DELETE): StasisEnd, ChannelDestroyed with the reason's cause;
 * - hang-up by the far end: ChannelHangupRequest, StasisEnd, ChannelDestroyed (16);
 * - snoop: an Up `Snoop/` channel enters the app (StasisStart with appArgs) just after the
 *   request returns, and hangs up (StasisEnd, ChannelDestroyed 16) right after the channel it
 *   spies on is destroyed; a recording on it then finishes and is kept.
 */

const VALID_DTMF = /^[0-9*#A-D]$/;

export function originate(
  ctx: PbxContext,
  params: Record<string, string>,
  pathChannelId?: string,
): SimChannel {
  const { endpoint, app } = params;
  if (!endpoint) throw new AriHttpError(400, 'Endpoint must be specified');
  if (!app) throw new AriHttpError(400, 'Application or extension must be specified');
  const timeoutSec = params.timeout === undefined ? 30 : Number(params.timeout);
  if (!Number.isInteger(timeoutSec)) throw new AriHttpError(400, 'timeout must be an integer');
  const id = pathChannelId ?? (params.channelId || nextUniqueId(ctx));
  if (ctx.state.channels.has(id)) {
    throw new AriHttpError(409, 'Channel with given unique ID already exists');
  }
  ctx.state.sequence += 1;
  const caller = parseCallerId(params.callerId);
  const dialed = parseDialedNumber(endpoint);
  const channel = newChannel({
    id,
    name: channelNameFor(endpoint, ctx.state.sequence),
    state: 'Down',
    direction: 'outbound',
    callerName: caller.name,
    callerNumber: caller.number,
    dialed,
    dialstring: endpoint.slice(endpoint.indexOf('/') + 1),
    exten: 's',
    context: 'default',
    app,
    appArgs: params.appArgs ? params.appArgs.split(',') : [],
    inStasis: false,
  });
  ctx.state.channels.set(id, channel);
  later(ctx, channel, 0, () => publishDial(ctx, channel, ''));
  scheduleDial(ctx, channel, decideDialOutcome(dialed), timeoutSec);
  return channel;
}

function scheduleDial(
  ctx: PbxContext,
  channel: SimChannel,
  outcome: DialOutcome,
  timeoutSec: number,
): void {
  const { ringMs, answerMs, maxRingMs, secondMs } = ctx.timing;
  if (outcome === 'busy' || outcome === 'failed') {
    later(ctx, channel, ringMs, () => {
      publishDial(ctx, channel, outcome === 'busy' ? 'BUSY' : 'CONGESTION');
      destroyChannel(ctx, channel, outcome === 'busy' ? CAUSES.busy : CAUSES.congestion, false);
    });
    return;
  }
  later(ctx, channel, ringMs, () => {
    setState(ctx, channel, 'Ringing');
    publishDial(ctx, channel, 'RINGING');
    if (outcome === 'answer') later(ctx, channel, answerMs, () => answerOutbound(ctx, channel));
  });
  const limits = [timeoutSec > 0 ? timeoutSec * secondMs : Infinity, maxRingMs ?? Infinity];
  const ringLimit = Math.min(...limits);
  if (ringLimit === Infinity) return;
  later(ctx, channel, ringMs + ringLimit, () => {
    if (channel.state === 'Up') return;
    publishDial(ctx, channel, 'NOANSWER');
    destroyChannel(ctx, channel, CAUSES.noAnswer, false);
  });
}

function answerOutbound(ctx: PbxContext, channel: SimChannel): void {
  setState(ctx, channel, 'Up');
  publishDial(ctx, channel, 'ANSWER');
  channel.inStasis = true;
  ctx.publish(channel.app, 'StasisStart', {
    args: channel.appArgs,
    channel: channelJson(channel),
  });
}

/** A phone calls `to`: the trunk's dialplan runs `Stasis(<app>,<DID>)`. */
export function placeInbound(ctx: PbxContext, app: string, from: string, to: string): SimChannel {
  ctx.state.sequence += 1;
  const channel = newChannel({
    id: nextUniqueId(ctx),
    name: channelNameFor('PJSIP/trunk', ctx.state.sequence),
    state: 'Ring',
    direction: 'inbound',
    callerName: '',
    callerNumber: from,
    dialed: to,
    dialstring: '',
    exten: to,
    context: 'from-trunk',
    app,
    appArgs: [to],
    inStasis: true,
  });
  ctx.state.channels.set(channel.id, channel);
  ctx.publish(app, 'StasisStart', { args: channel.appArgs, channel: channelJson(channel) });
  return channel;
}

const SNOOP_DIRECTIONS = new Set(['none', 'both', 'out', 'in']);

/** POST /channels/{id}/snoop (id in `snoopId`) and /channels/{id}/snoop/{snoopId}. */
export function snoop(
  ctx: PbxContext,
  spied: SimChannel,
  params: Record<string, string>,
  pathSnoopId?: string,
): SimChannel {
  const spy = params.spy ?? 'none';
  const whisper = params.whisper ?? 'none';
  if (!SNOOP_DIRECTIONS.has(spy) || !SNOOP_DIRECTIONS.has(whisper)) {
    throw new AriHttpError(400, 'Invalid direction specified for spy or whisper');
  }
  if (spy === 'none' && whisper === 'none') {
    throw new AriHttpError(400, 'Direction must be specified for at least spy or whisper');
  }
  if (!params.app) throw new AriHttpError(400, 'Application name is required');
  const id = pathSnoopId ?? (params.snoopId || nextUniqueId(ctx));
  if (ctx.state.channels.has(id)) {
    throw new AriHttpError(409, 'Channel with given unique ID already exists');
  }
  ctx.state.sequence += 1;
  const channel = newChannel({
    id,
    name: `Snoop/${spied.id}-${ctx.state.sequence.toString(16).padStart(8, '0')}`,
    state: 'Up',
    direction: 'outbound',
    callerName: spied.callerName,
    callerNumber: spied.callerNumber,
    dialed: '',
    dialstring: '',
    exten: 's',
    context: 'default',
    app: params.app,
    appArgs: params.appArgs ? params.appArgs.split(',') : [],
    inStasis: false,
    spying: spied.id,
  });
  ctx.state.channels.set(id, channel);
  later(ctx, channel, 0, () => {
    channel.inStasis = true;
    ctx.publish(channel.app, 'StasisStart', {
      args: channel.appArgs,
      channel: channelJson(channel),
    });
  });
  return channel;
}

/** POST /channels/{id}/answer; answering an answered channel changes nothing. */
export function answer(ctx: PbxContext, channel: SimChannel): void {
  if (!channel.inStasis) throw new AriHttpError(409, 'Channel not in Stasis application');
  if (channel.state !== 'Up') setState(ctx, channel, 'Up');
}

/** DELETE /channels/{id}?reason=: an outbound attempt still ringing is cancelled. */
export function hangup(ctx: PbxContext, channelId: string, reason = 'normal'): void {
  const channel = findChannel(ctx, channelId);
  const cause = HANGUP_REASONS[reason];
  if (!cause) throw new AriHttpError(400, 'Invalid reason for hangup provided');
  if (channel.direction === 'outbound' && !channel.inStasis && !channel.spying) {
    publishDial(ctx, channel, 'CANCEL');
  }
  destroyChannel(ctx, channel, cause, false);
}

export function hangupFarEnd(ctx: PbxContext, channel: SimChannel): void {
  destroyChannel(ctx, channel, CAUSES.normal, true);
}

/** One key from the far end: ChannelDtmfReceived, which may end a recording. */
export function receiveDtmf(ctx: PbxContext, channel: SimChannel, digit: string): void {
  if (!VALID_DTMF.test(digit)) throw new AriHttpError(400, `Invalid DTMF digit ${digit}`);
  ctx.publish(channel.app, 'ChannelDtmfReceived', {
    digit,
    duration_ms: 100,
    channel: channelJson(channel),
  });
  handleDtmfForMedia(ctx, channel, digit);
}

function destroyChannel(ctx: PbxContext, channel: SimChannel, cause: Cause, farEnd: boolean): void {
  if (ctx.state.channels.get(channel.id) !== channel) return;
  for (const timer of channel.timers) clearTimeout(timer);
  channel.timers.clear();
  if (farEnd) {
    ctx.publish(channel.app, 'ChannelHangupRequest', {
      cause: cause.code,
      soft: false,
      channel: channelJson(channel),
    });
  }
  endMediaOnHangup(ctx, channel);
  leaveBridge(ctx, channel);
  if (channel.inStasis) {
    ctx.publish(channel.app, 'StasisEnd', { channel: channelJson(channel) });
    channel.inStasis = false;
  }
  ctx.state.channels.delete(channel.id);
  ctx.publish(channel.app, 'ChannelDestroyed', {
    cause: cause.code,
    cause_txt: cause.text,
    channel: channelJson(channel),
  });
  for (const other of [...ctx.state.channels.values()]) {
    if (other.spying === channel.id) destroyChannel(ctx, other, CAUSES.normal, false);
  }
}

function setState(ctx: PbxContext, channel: SimChannel, state: ChannelState): void {
  channel.state = state;
  ctx.publish(channel.app, 'ChannelStateChange', { channel: channelJson(channel) });
}

function publishDial(ctx: PbxContext, channel: SimChannel, dialstatus: string): void {
  ctx.publish(channel.app, 'Dial', {
    peer: channelJson(channel),
    dialstring: channel.dialstring,
    dialstatus,
    forward: '',
  });
}

type NewChannel = Omit<SimChannel, 'createdAt' | 'mediaQueue' | 'timers' | 'activeMedia'>;

function newChannel(fields: NewChannel): SimChannel {
  return { ...fields, createdAt: new Date(), mediaQueue: [], timers: new Set() };
}
