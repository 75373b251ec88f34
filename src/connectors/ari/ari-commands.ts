import { AppError, UpstreamError } from '../../platform/index.js';
import type { AriHttp } from './ari-http.js';
import type { MediaControl } from './media-control.js';

const TERMINATE_KEYS = new Set(['#', '*', 'any', 'none']);
const seg = encodeURIComponent;

type CallCommands = Pick<
  MediaControl,
  'originate' | 'answer' | 'play' | 'stopPlayback' | 'record' | 'stopRecording' | 'snoop' | 'hangup'
>;
type QueryCommands = Pick<
  MediaControl,
  | 'createBridge'
  | 'addToBridge'
  | 'destroyBridge'
  | 'recordBridge'
  | 'listChannels'
  | 'fetchRecording'
>;

/** ARI joins Stasis arguments with commas, so an argument cannot hold one. */
function joinAppArgs(args: string[] = []): string | undefined {
  if (args.some((arg) => arg.includes(','))) {
    throw new AppError(400, 'invalid_app_args', 'Application arguments cannot contain ",".', {
      retryable: false,
    });
  }
  return args.length > 0 ? args.join(',') : undefined;
}

/** Commands on one call leg, as ARI requests (statuses mapped in ari-errors.ts). */
export function createCallCommands(http: AriHttp, app: string): CallCommands {
  return {
    async originate(input) {
      const appArgs = joinAppArgs(input.appArgs);
      await http.call('originate', 'POST', '/channels', {
        endpoint: input.endpoint,
        app,
        channelId: input.channelId,
        callerId: input.callerId,
        timeout: input.timeoutSec,
        appArgs,
      });
    },
    async answer(channelId) {
      await http.call('answer', 'POST', `/channels/${seg(channelId)}/answer`);
    },
    async play(channelId, playbackId, media) {
      await http.call('play', 'POST', `/channels/${seg(channelId)}/play`, {
        media: toMediaUri(media),
        playbackId,
      });
    },
    async stopPlayback(playbackId) {
      await http.call('stopPlayback', 'DELETE', `/playbacks/${seg(playbackId)}`);
    },
    async record(channelId, input) {
      if (!TERMINATE_KEYS.has(input.terminateOn)) {
        throw new AppError(400, 'invalid_terminate_on', 'terminateOn must be #, *, any or none.', {
          retryable: false,
        });
      }
      await http.call('record', 'POST', `/channels/${seg(channelId)}/record`, {
        name: input.name,
        format: 'wav',
        maxDurationSeconds: Math.max(0, Math.floor(input.maxDurationSec)),
        beep: input.beep,
        terminateOn: input.terminateOn,
        ifExists: input.ifExists ?? 'overwrite',
      });
    },
    async stopRecording(name) {
      await http.call('stopRecording', 'POST', `/recordings/live/${seg(name)}/stop`);
    },
    async snoop(channelId, input) {
      const appArgs = joinAppArgs(input.appArgs);
      await http.call('snoop', 'POST', `/channels/${seg(channelId)}/snoop`, {
        spy: input.spy,
        whisper: 'none',
        app,
        appArgs,
        snoopId: input.snoopId,
      });
    },
    async hangup(channelId, reason = 'normal') {
      await http.call('hangup', 'DELETE', `/channels/${seg(channelId)}`, { reason });
    },
  };
}

/** Bridges, and reads of what the PBX holds. */
export function createQueryCommands(http: AriHttp): QueryCommands {
  return {
    async createBridge(bridgeId) {
      await http.call('createBridge', 'POST', `/bridges/${seg(bridgeId)}`, { type: 'mixing' });
    },
    async addToBridge(bridgeId, channelIds) {
      await http.call('addToBridge', 'POST', `/bridges/${seg(bridgeId)}/addChannel`, {
        channel: channelIds.join(','),
      });
    },
    async destroyBridge(bridgeId) {
      await http.call('destroyBridge', 'DELETE', `/bridges/${seg(bridgeId)}`);
    },
    async recordBridge(bridgeId, input) {
      await http.call('recordBridge', 'POST', `/bridges/${seg(bridgeId)}/record`, {
        name: input.name,
        format: 'wav',
        maxDurationSeconds: Math.max(0, Math.floor(input.maxDurationSec ?? 0)),
        ifExists: 'fail',
        terminateOn: 'none',
      });
    },
    async listChannels() {
      const body = await http.call('listChannels', 'GET', '/channels');
      return readChannels(body);
    },
    async fetchRecording(name) {
      const body = await http.call('fetchRecording', 'GET', `/recordings/stored/${seg(name)}/file`);
      return body ?? Buffer.alloc(0);
    },
  };
}

/** Remote audio goes through Asterisk's HTTP media cache, which ARI reaches as `sound:<url>`. */
function toMediaUri(media: string): string {
  return /^https?:\/\//i.test(media) ? `sound:${media}` : media;
}

function readChannels(body: Buffer | null): Array<{ id: string; state: string }> {
  let parsed: unknown;
  try {
    parsed = body ? JSON.parse(body.toString('utf8')) : [];
  } catch (err) {
    throw new UpstreamError('The PBX sent an unreadable channel list.', 'ari_unavailable', {
      cause: err,
    });
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((channel: unknown) => {
    const { id, state } = (channel ?? {}) as { id?: unknown; state?: unknown };
    return typeof id === 'string'
      ? [{ id, state: typeof state === 'string' ? state.toLowerCase() : '' }]
      : [];
  });
}
