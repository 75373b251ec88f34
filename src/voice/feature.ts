import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createAriMediaControl,
  createPbxSimulator,
  type MediaControl,
  type PbxSimulator,
} from '../connectors/index.js';
import type { BlobStore } from '../media/index.js';
import type { NumberRow } from '../numbers/index.js';
import type { Feature } from '../runtime.js';
import { checkCallbackUrl, createGuardedAgent } from '../webhooks/index.js';
import { createCallEvents } from './call-events.js';
import { createCallsRouter } from './calls.routes.js';
import { createCallsService } from './calls.service.js';
import { createCallsStore } from './calls.store.js';
import { createFlowsRouter } from './flows.routes.js';
import { createFlowsService } from './flows.service.js';
import { createFlowsStore } from './flows.store.js';
import { createFlowHttp } from './orchestrator/flow-http.js';
import { createOrchestrator, type Orchestrator } from './orchestrator/orchestrator.js';
import { createRecordingsRouter } from './recordings.routes.js';
import { createRecordingsStore } from './recordings.store.js';
import { createSandboxCallsRouter } from './sandbox.routes.js';
import {
  createEspeakTts,
  createSilentTts,
  createTtsCache,
  createTtsRouter,
  detectEspeak,
  type TtsProvider,
} from './tts/index.js';
import type { SharedDeps } from '../features.js';

/** How a flow's `sms` verb queues a message (provided by messaging). */
export type SendFlowSms = (input: {
  projectId: string;
  from: string;
  to: string;
  body: string;
}) => Promise<{ id: string }>;

export interface VoiceDeps extends SharedDeps {
  blobs: BlobStore;
  /** The number record for a DID (any project), for inbound calls. */
  findNumber(number: string): Promise<NumberRow | undefined>;
  sendSms: SendFlowSms;
  config: {
    ariUrl: string | null;
    ariApp: string;
    ariDialTemplate: string;
    publicUrl: string;
    dataDir: string;
    /** The speech cache's budget on disk (TTS_CACHE_MAX_MB, in bytes). */
    ttsCacheMaxBytes: number;
    /** Run the orchestrator (ARI connection, call control) in this process. */
    orchestrator: boolean;
    /**
     * WEBHOOK_ALLOW_PRIVATE: `status_callback` and flow `webhook` URLs may point at private
     * and loopback addresses. Default false.
     */
    webhookAllowPrivate?: boolean;
    /**
     * Real milliseconds per telephony second (proposed SANDBOX_TIME_SCALE × 1000): scales
     * gather and pause timeouts and the sandbox PBX's clock. Default 1000.
     */
    secondMs?: number;
  };
  /** The speech engine; default espeak-ng when installed, else silence of the text's length. */
  tts?: TtsProvider;
}

export interface VoiceFeature {
  feature: Feature;
  /** Throws a 422 when the project has no such flow (numbers' `voice_flow_id`). */
  checkFlow(projectId: string, flowId: string): Promise<void>;
  /** The sandbox PBX of this process, if it runs one (tests, benchmarks). */
  sandboxPbx(): PbxSimulator | null;
}

/** How often the orchestrator prunes the speech cache, and how recent a use spares a file. */
const TTS_PRUNE_EVERY_MS = 10 * 60_000;

/** How long start() waits for the first ARI connection, so /readyz and jobs see it up. */
const CONNECT_WAIT_MS = 5_000;

async function waitForConnection(media: MediaControl): Promise<void> {
  const deadline = Date.now() + CONNECT_WAIT_MS;
  while (!media.ready && Date.now() < deadline) await sleep(10);
}

/**
 * Voice: flows (versions, validation, simulation), calls and recordings over the API, the
 * TTS media route, the sandbox call routes and — in orchestrator processes — the call
 * orchestrator on ARI (the sandbox PBX when no ARI_URL is set).
 */
export function createVoiceFeature(deps: VoiceDeps): VoiceFeature {
  const { db, logger, config } = deps;
  const secondMs = config.secondMs ?? 1000;
  const checkUrl = (url: string, path?: string) =>
    checkCallbackUrl(url, { allowPrivate: config.webhookAllowPrivate ?? false, path });
  const flowsStore = createFlowsStore(db);
  const callsStore = createCallsStore(db);
  const recordings = createRecordingsStore(db);
  const flows = createFlowsService({ db, store: flowsStore, ids: deps.ids, clock: deps.clock });
  const callEvents = createCallEvents({ ...deps, store: callsStore });
  const calls = createCallsService({
    ...deps,
    store: callsStore,
    callEvents,
    flows,
    checkCallbackUrl: checkUrl,
  });
  let tts: TtsProvider = deps.tts ?? createSilentTts();
  const ttsCache = createTtsCache({
    dir: join(config.dataDir, 'tts'),
    publicUrl: config.publicUrl,
    provider: () => tts,
    logger,
  });
  let pruning: NodeJS.Timeout | null = null;
  /** Keeps the speech cache within its budget; files used in the last 10 minutes stay. */
  const pruneSpeech = () =>
    ttsCache
      .prune(config.ttsCacheMaxBytes, TTS_PRUNE_EVERY_MS)
      .catch((err: unknown) => logger.warn({ err }, 'speech cache could not be pruned'));
  const orchestrator: Orchestrator | null = config.orchestrator
    ? createOrchestrator({
        ...deps,
        store: callsStore,
        callEvents,
        recordings,
        tts: ttsCache,
        http: createFlowHttp({
          checkUrl,
          logger,
          dispatcher: createGuardedAgent({
            allowPrivate: config.webhookAllowPrivate ?? false,
            timeoutMs: 30_000,
          }),
        }),
        flows,
        checkMediaUrl: (url) => checkUrl(url),
        dialTemplate: config.ariDialTemplate,
        secondMs,
      })
    : null;
  let pbx: PbxSimulator | null = null;

  async function connect(active: Orchestrator): Promise<void> {
    if (!deps.tts && (await detectEspeak())) tts = createEspeakTts();
    logger.info({ engine: tts.name }, 'text to speech');
    let url = config.ariUrl;
    if (url === null) {
      pbx = createPbxSimulator({
        logger,
        username: 'trunkline',
        password: randomBytes(12).toString('hex'),
        app: config.ariApp,
        timing: { secondMs, maxRingMs: 2 * secondMs },
      });
      url = (await pbx.start()).url;
    }
    const media = createAriMediaControl({ url, app: config.ariApp }, { logger });
    active.attach(media);
    await waitForConnection(media);
  }

  const auth = deps.auth;
  return {
    checkFlow: async (projectId, flowId) => {
      await flows.resolveActive(projectId, flowId, '/voice_flow_id');
    },
    sandboxPbx: () => pbx,
    feature: {
      routers: [
        createFlowsRouter({ service: flows, store: flowsStore, auth, validate: deps.validate }),
        createCallsRouter({ service: calls, store: callsStore, auth, validate: deps.validate }),
        createRecordingsRouter({
          store: recordings,
          blobs: deps.blobs,
          auth,
          validate: deps.validate,
        }),
        createTtsRouter({ cache: ttsCache }),
        createSandboxCallsRouter({
          pbx: () => pbx,
          store: callsStore,
          auth,
          validate: deps.validate,
          findNumber: deps.findNumber,
        }),
      ],
      handlers: orchestrator ? [orchestrator.handler] : [],
      async start() {
        if (!orchestrator) return;
        await connect(orchestrator);
        pruning = setInterval(() => void pruneSpeech(), TTS_PRUNE_EVERY_MS);
        pruning.unref();
      },
      async stop() {
        if (pruning) clearInterval(pruning);
        await orchestrator?.stop();
        await pbx?.stop();
        pbx = null;
      },
      readiness: async (): Promise<Record<string, boolean>> =>
        orchestrator ? { ari: orchestrator.ready } : {},
    },
  };
}
