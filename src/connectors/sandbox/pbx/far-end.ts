import { setTimeout as sleep } from 'node:timers/promises';
import { NotFoundError, UnavailableError, ValidationError } from '../../../platform/index.js';
import { hangupFarEnd, placeInbound, receiveDtmf } from './channels.js';
import type { PbxContext } from './pbx-state.js';
import type { PbxSimulator } from './pbx-simulator.js';

type FarEnd = Pick<
  PbxSimulator,
  'placeInboundCall' | 'sendDtmf' | 'hangupFarEnd' | 'channels' | 'setRecordingAudio'
>;

/**
 * The scripted other side of every call: phones that call in, press keys and hang up, and a
 * view of the channels. Errors are our AppErrors (400, 404, 503) so the sandbox API can show
 * them as they are.
 */
export function createFarEnd(ctx: PbxContext, app: string, isRunning: () => boolean): FarEnd {
  function requireChannel(channelId: string) {
    const channel = ctx.state.channels.get(channelId);
    if (!channel) throw new NotFoundError('Channel', 'channel_not_found');
    return channel;
  }

  return {
    async placeInboundCall({ from, to }) {
      if (!from || !to) throw new ValidationError('from and to are required.');
      if (!isRunning() || !ctx.isAppConnected(app)) {
        throw new UnavailableError('The PBX application is not connected.', 'pbx_app_unavailable');
      }
      return { channelId: placeInbound(ctx, app, from, to).id };
    },
    async sendDtmf(channelId, digits) {
      if (!/^[0-9*#A-D]+$/.test(digits)) {
        throw new ValidationError('digits may only contain 0-9, *, # and A-D.', [
          { path: '/digits', message: 'must match ^[0-9*#A-D]+$' },
        ]);
      }
      requireChannel(channelId);
      for (const [index, digit] of [...digits].entries()) {
        if (index > 0) await sleep(ctx.timing.dtmfMs);
        const channel = ctx.state.channels.get(channelId);
        if (!channel) return;
        receiveDtmf(ctx, channel, digit);
      }
    },
    async hangupFarEnd(channelId) {
      hangupFarEnd(ctx, requireChannel(channelId));
    },
    channels() {
      return [...ctx.state.channels.values()].map((channel) => ({
        id: channel.id,
        name: channel.name,
        state: channel.state,
        direction: channel.direction,
        caller: channel.callerNumber,
        dialed: channel.dialed,
        app: channel.app,
        inStasis: channel.inStasis,
        bridgeId: channel.bridgeId,
        spying: channel.spying,
        media:
          channel.activeMedia?.kind === 'play' ? channel.activeMedia.id : channel.activeMedia?.name,
      }));
    },
    setRecordingAudio(name, audio) {
      ctx.state.plantedAudio.set(name, audio);
      const stored = ctx.state.storedRecordings.get(name);
      if (stored) stored.audio = audio;
    },
  };
}
