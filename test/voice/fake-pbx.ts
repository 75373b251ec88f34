import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChannelGoneError,
  type MediaControl,
  type MediaEvent,
} from '../../src/connectors/index.js';
import { createNumbersStore, type NumberRow } from '../../src/numbers/index.js';
import { createSilentLogger, type Db } from '../../src/platform/index.js';
import { createCallEvents } from '../../src/voice/call-events.js';
import { createCallsStore } from '../../src/voice/calls.store.js';
import { createFlowsService } from '../../src/voice/flows.service.js';
import { createFlowsStore } from '../../src/voice/flows.store.js';
import { createFlowHttp } from '../../src/voice/orchestrator/flow-http.js';
import {
  createOrchestrator,
  type Orchestrator,
} from '../../src/voice/orchestrator/orchestrator.js';
import { createRecordingsStore } from '../../src/voice/recordings.store.js';
import { createSilentTts, createTtsCache } from '../../src/voice/tts/index.js';
import type { TestApp } from '../support/harness.js';
import { checkCallbackUrl } from '../../src/webhooks/url-guard.js';

/**
 * A PBX that does what the test says: plays and originates are recorded, some channels are
 * already gone, and on some a play fails (as an ARI 500 would), or every prompt stop does.
 */
export function createFakeMedia() {
  let handler: (event: MediaEvent) => void = () => undefined;
  const gone = new Set<string>();
  const failing = new Set<string>();
  const plays: Array<{ channelId: string; playbackId: string; media: string }> = [];
  const hangups: string[] = [];
  const snoops: string[] = [];
  const originated: string[] = [];
  const endpoints: string[] = [];
  /** The channels the PBX lists (none unless a test says so), `up` unless `states` says. */
  const channels: string[] = [];
  const states = new Map<string, string>();
  const bridged: Array<{ bridgeId: string; channelIds: string[] }> = [];
  const faults = { stopPlayback: false, addToBridge: false, listChannels: 0, hangups: 0 };
  const media: MediaControl = {
    ready: true,
    originate: async ({ channelId, endpoint }) => {
      originated.push(channelId);
      endpoints.push(endpoint);
    },
    answer: async () => undefined,
    play: async (channelId, playbackId, uri) => {
      if (gone.has(channelId)) throw new ChannelGoneError();
      if (failing.has(channelId)) throw new Error('Internal Server Error');
      plays.push({ channelId, playbackId, media: uri });
    },
    stopPlayback: async () => {
      if (faults.stopPlayback) throw new Error('Internal Server Error');
    },
    record: async () => undefined,
    stopRecording: async () => undefined,
    snoop: async (_channelId, { snoopId }) => void snoops.push(snoopId),
    hangup: async (channelId) => {
      hangups.push(channelId);
      if (faults.hangups > 0) {
        faults.hangups--;
        throw new Error('Internal Server Error');
      }
    },
    createBridge: async () => undefined,
    addToBridge: async (bridgeId, channelIds) => {
      if (faults.addToBridge) throw new Error('Internal Server Error');
      bridged.push({ bridgeId, channelIds });
    },
    destroyBridge: async () => undefined,
    recordBridge: async () => undefined,
    listChannels: async () => {
      if (faults.listChannels > 0) {
        faults.listChannels--;
        throw new Error('Internal Server Error');
      }
      return channels.map((id) => ({ id, state: states.get(id) ?? 'up' }));
    },
    fetchRecording: async () => Buffer.alloc(0),
    onEvent: (h) => {
      handler = h;
      return () => undefined;
    },
    close: async () => undefined,
  };
  return {
    media,
    gone,
    failing,
    plays,
    hangups,
    originated,
    /** The endpoint of each originate, in order. */
    endpoints,
    channels,
    states,
    /** Every addToBridge, in order. */
    bridged,
    /** The names of the live recordings stopped, in order. */
    /** The ids of the snoop channels made (a call recording each), in order. */
    snoops,
    /**
     * ARI requests made to fail (as a 500 would): prompt stops, bridging while set; the next N
     * listings, the next N hang-ups.
     */
    faults,
    emit: (event: MediaEvent) => handler(event),
    /**
     * A channel we created enters the app: an outbound call's (`trunkline-call`, the callee
     * answered) or a dialled leg's (`trunkline-dial`), for `callId`.
     */
    enters: (channelId: string, marker: 'trunkline-call' | 'trunkline-dial', callId: string) =>
      handler({ type: 'stasis_start', channelId, caller: '', dialed: '', args: [marker, callId] }),
    /** An inbound call from a fixed caller to `did` enters the app on `channelId`. */
    ring: (channelId: string, did: string) =>
      handler({
        type: 'stasis_start',
        channelId,
        caller: '+14155550177',
        dialed: did,
        args: [did],
      }),
  };
}

export type FakeMedia = ReturnType<typeof createFakeMedia>;

/**
 * An orchestrator on the test app's services but its own `db` (so a test can count the
 * statements it sends), with silent TTS and a number lookup the test may wrap.
 */
export function createTestOrchestrator(
  app: TestApp,
  options: {
    db?: Db;
    findNumber?: (
      number: string,
      lookup: (n: string) => Promise<NumberRow | undefined>,
    ) => Promise<NumberRow | undefined>;
  } = {},
): Orchestrator {
  const db = options.db ?? app.runtime.db;
  const { events, scheduleWebhook, ids, clock } = app.runtime.services;
  const logger = createSilentLogger();
  const store = createCallsStore(db);
  const numbers = createNumbersStore(db);
  const lookup = (n: string) => numbers.findByNumber(n);
  return createOrchestrator({
    db,
    store,
    callEvents: createCallEvents({ db, store, events, scheduleWebhook, clock }),
    recordings: createRecordingsStore(db),
    scheduleWebhook,
    blobs: {} as never,
    tts: createTtsCache({
      dir: join(tmpdir(), `trunkline-tts-${process.pid}`),
      publicUrl: 'http://127.0.0.1:9',
      provider: createSilentTts,
      logger,
    }),
    http: createFlowHttp({ checkUrl: async () => undefined, logger }),
    flows: createFlowsService({ db, store: createFlowsStore(db), ids, clock }),
    sendSms: async () => ({ id: 'msg_fake' }),
    findNumber: (n) => (options.findNumber ? options.findNumber(n, lookup) : lookup(n)),
    ids,
    clock,
    logger,
    checkMediaUrl: (url) =>
      checkCallbackUrl(url, {
        allowPrivate: false,
        lookup: async () => ['93.184.216.34'], // every name is public here; literals are checked
      }).then(() => undefined),
    dialTemplate: 'PJSIP/{to}@trunk',
    secondMs: 1000,
  });
}
