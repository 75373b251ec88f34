import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../../platform/index.js';
import { clearBridgeRecordingTimers } from './bridge-recording.js';
import { createEventHub, type EventHub } from './event-hub.js';
import { createFarEnd } from './far-end.js';
import { createAriServer } from './http-server.js';
import { createPbxState, type PbxContext, type PbxTiming } from './pbx-state.js';
import { createRestHandlers } from './rest-handlers.js';

export interface PbxSimulatorOptions {
  logger: Logger;
  /** ARI user the simulator accepts (Basic auth or `api_key=user:password`). */
  username: string;
  password: string;
  /** Stasis application inbound calls enter (default `trunkline`, like ARI_APP). */
  app?: string;
  /** Loopback only by default. */
  host?: string;
  /** 0 picks a free port; after stop(), start() binds the same port again. */
  port?: number;
  timing?: Partial<PbxTiming>;
  /**
   * How long the audio at an `http(s)` media URL plays, e.g. by fetching it as Asterisk's media
   * cache would. A rejection makes the playback fail. Without it, the length of the URL's `text`
   * query parameter times `playMsPerChar` is used, else `soundMs`.
   */
  fetchMediaDurationMs?: (url: string) => Promise<number | undefined>;
}

/** What a test or the sandbox API can see of one call leg. */
export interface PbxChannelSnapshot {
  id: string;
  name: string;
  state: string;
  direction: 'inbound' | 'outbound';
  caller: string;
  dialed: string;
  app: string;
  inStasis: boolean;
  bridgeId?: string;
  /** A snoop channel: the channel it spies on. */
  spying?: string;
  /** The playback id or recording name running now. */
  media?: string;
}

export interface PbxSimulator {
  /** Listens; `url` is ARI_URL-shaped (`http://user:password@127.0.0.1:port`). */
  start(): Promise<{ port: number; url: string }>;
  /** Closes every socket and forgets every channel, as an Asterisk restart would. */
  stop(): Promise<void>;
  /** A phone calls `to`; the channel enters the app with StasisStart args `[to]`. */
  placeInboundCall(input: { from: string; to: string }): Promise<{ channelId: string }>;
  /** The far end presses keys (`0-9*#A-D`), one ChannelDtmfReceived per digit. */
  sendDtmf(channelId: string, digits: string): Promise<void>;
  /** The far end hangs up: ChannelHangupRequest, StasisEnd, ChannelDestroyed (16). */
  hangupFarEnd(channelId: string): Promise<void>;
  /** Cuts every event WebSocket, to exercise client reconnection. */
  dropWebSockets(): void;
  channels(): PbxChannelSnapshot[];
  /** The stored file of recording `name`, now or when it finishes (default: a tone). */
  setRecordingAudio(name: string, audio: Buffer): void;
}

const DEFAULT_TIMING: PbxTiming = {
  ringMs: 30,
  answerMs: 30,
  playMsPerChar: 2,
  soundMs: 50,
  secondMs: 1000,
  dtmfMs: 5,
};

/**
 * A PBX that speaks enough ARI — Swagger docs, REST and the event WebSocket, over real
 * sockets — for ari-client and our MediaControl to drive it exactly as they drive Asterisk, with
 * scripted far ends: magic numbers (API.md) for busy / no-answer / failed, injected calls, keys
 * and hang-ups.
 */
export function createPbxSimulator(options: PbxSimulatorOptions): PbxSimulator {
  const logger = options.logger.child({ component: 'sandbox-pbx' });
  const app = options.app ?? 'trunkline';
  const host = options.host ?? '127.0.0.1';
  let port = options.port ?? 0;
  let server: Server | null = null;
  let hub: EventHub = createEventHub(logger);
  const ctx: PbxContext = {
    state: createPbxState(),
    timing: { ...DEFAULT_TIMING, ...options.timing },
    logger,
    fetchMediaDurationMs: options.fetchMediaDurationMs,
    publish: (target, type, body) => hub.publish(target, type, body),
    isAppConnected: (target) => hub.isConnected(target),
  };
  const handlers = createRestHandlers(ctx, { apps: () => [app] });
  const credentials = { username: options.username, password: options.password };

  function urlFor(boundPort: number): string {
    const user = `${encodeURIComponent(options.username)}:${encodeURIComponent(options.password)}`;
    return `http://${user}@${host}:${boundPort}`;
  }

  return {
    async start() {
      if (!server) {
        hub = createEventHub(logger);
        const created = createAriServer({ logger, credentials, handlers, hub });
        await new Promise<void>((resolve, reject) => {
          created.once('error', reject);
          created.listen(port, host, () => resolve());
        });
        server = created;
        port = (created.address() as AddressInfo).port;
      }
      return { port, url: urlFor(port) };
    },
    async stop() {
      const closing = server;
      server = null;
      hub.close();
      for (const channel of ctx.state.channels.values()) {
        for (const timer of channel.timers) clearTimeout(timer);
      }
      clearBridgeRecordingTimers(ctx);
      // Channel ids stay unique across restarts, so a reconciling client never confuses calls.
      Object.assign(ctx.state, createPbxState(), { sequence: ctx.state.sequence });
      if (!closing) return;
      await new Promise<void>((resolve) => {
        closing.close(() => resolve());
        closing.closeAllConnections();
      });
    },
    dropWebSockets() {
      hub.dropAll();
    },
    ...createFarEnd(ctx, app, () => server !== null),
  };
}
