import type { PbxSimulator } from '../src/connectors/index.js';
import { createDb, type Db } from '../src/platform/index.js';
import { createIvrLoad, measureLevel, type IvrLevelFigures } from './voice-ivr.js';
import { startAriProbe, type AriProbe } from './voice-probe.js';
import { runRawSetups, type RawSetupFigures } from './voice-raw-client.js';
import { buildVoiceReport } from './voice-report.js';
import { measureSetups, type SetupFigures } from './voice-setups.js';
import { readUsage, withVoicePlatform, type VoicePlatform } from './voice-platform.js';
import { countQueries } from './support/queries.js';
import type { SuiteReport } from './support/report.js';
import { progress, waitUntil } from './support/stats.js';
import type { BenchSettings } from './support/settings.js';

/**
 * `voice` (issue #5): call setups through the API and concurrent IVR calls on one
 * orchestrator, deployed as in production (`voice-platform.ts`: API and orchestrator in
 * processes of their own, the PBX apart), on the sandbox PBX simulator with the sandbox's
 * default timing (ring 30 ms, answer 30 ms, every TTS prompt plays 50 ms: the voice feature
 * does not take a PBX timing from the configuration). The ceiling is a bare ARI client on the
 * same simulator in the same run.
 */

const SETUP_TARGET = 100;
const CONCURRENCY_TARGET = 1000;
const LATENCY_TARGET_MS = 50;
/** Concurrency levels, tried in order until one misses the latency target. */
const LEVELS = [250, 500, 1000, 1500];
/**
 * How long each caller stays in the gather before pressing a key: about the length of a
 * call, so `level / 30` calls start and end per second (33/s at 1,000 calls).
 */
const HOLD_MS = 30_000;
/** New calls per second while a level ramps up; longest wait for its backlog to clear. */
const RAMP_PER_SECOND = 50;
const SETTLE_MS = 15_000;
const CALLEE = '+14155550100';
const DID = '+14155550142';

const SHORT_FLOW = {
  start: 'hello',
  steps: {
    hello: { verb: 'say', text: 'Hello from the benchmark.', next: 'bye' },
    bye: { verb: 'hangup' },
  },
};

const IVR_FLOW = {
  start: 'welcome',
  steps: {
    welcome: { verb: 'say', text: 'Welcome to the Trunkline benchmark.', next: 'menu' },
    menu: {
      verb: 'gather',
      num_digits: 1,
      timeout: 60,
      prompt: { verb: 'say', text: 'Press 1 for sales or 2 for support.' },
      next: 'route',
      on_timeout: 'other',
    },
    route: {
      verb: 'branch',
      cases: [{ if: { var: 'digits', op: 'eq', value: '1' }, next: 'sales' }],
      default: 'other',
    },
    sales: { verb: 'say', text: 'You chose sales. Goodbye.', next: 'end' },
    other: { verb: 'say', text: 'Goodbye.', next: 'end' },
    end: { verb: 'hangup' },
  },
};

interface Api {
  (method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
}

function apiClient(url: string, apiKey: string): Api {
  return async (method, path, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 300)
      throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}

/** Everything the voice suite measured, for the report. */
export interface VoiceFigures {
  raw: RawSetupFigures;
  setups: SetupFigures & SetupCost;
  levels: IvrLevelFigures[];
  setupCount: number;
}

/** What one setup cost, over the whole setups phase, by process. */
export interface SetupCost {
  /** Statements of the API and orchestrator processes together, per setup. */
  statementsPerSetup: number;
  /** CPU of the platform (API + orchestrator processes), per setup. */
  cpuMsPerSetup: number;
  apiCpuMsPerSetup: number;
  orchestratorCpuMsPerSetup: number;
  /** CPU of the benchmark process (PBX simulator, HTTP callers), per setup. */
  benchCpuMsPerSetup: number;
  /** CPU of the run database's Postgres backends, per setup (null when Postgres is remote). */
  postgresCpuMsPerSetup: number | null;
  /** CPU over the phase as a share of one core: API, orchestrator, benchmark process. */
  cpuShare: { api: number; orchestrator: number; bench: number };
}

async function withSetupCost(
  platform: VoicePlatform,
  measure: () => Promise<SetupFigures>,
): Promise<SetupFigures & SetupCost> {
  const counter = countQueries(platform.runtime.db);
  try {
    const before = await readUsage(platform, counter.count);
    const started = performance.now();
    const figures = await measure();
    const after = await readUsage(platform, counter.count);
    const elapsed = performance.now() - started;
    const calls = Math.max(1, figures.accepted);
    const api = after.api.cpuMs - before.api.cpuMs;
    const orchestrator = after.orchestrator.cpuMs - before.orchestrator.cpuMs;
    const bench = after.bench.cpuMs - before.bench.cpuMs;
    return {
      ...figures,
      statementsPerSetup: (after.statements - before.statements) / calls,
      cpuMsPerSetup: (api + orchestrator) / calls,
      apiCpuMsPerSetup: api / calls,
      orchestratorCpuMsPerSetup: orchestrator / calls,
      benchCpuMsPerSetup: bench / calls,
      postgresCpuMsPerSetup:
        after.postgresCpuMs === null || before.postgresCpuMs === null
          ? null
          : (after.postgresCpuMs - before.postgresCpuMs) / calls,
      cpuShare: {
        api: api / elapsed,
        orchestrator: orchestrator / elapsed,
        bench: bench / elapsed,
      },
    };
  } finally {
    counter.stop();
  }
}

/** Waits (bounded) until the orchestrator has ended every call, so the next phase starts idle. */
async function waitForCallsEnded(db: Db): Promise<void> {
  const ended = await waitUntil(
    async () => {
      const row = (await db('calls')
        .whereNotIn('status', ['completed', 'busy', 'no-answer', 'failed', 'canceled'])
        .count({ n: '*' })
        .first()) as { n: string | number };
      return Number(row.n) === 0;
    },
    60_000,
    250,
  );
  if (!ended) progress('voice: some calls were still live after 60 s');
}

async function runIvrLevels(
  settings: BenchSettings,
  probe: AriProbe,
  platform: VoicePlatform,
  db: Db,
): Promise<IvrLevelFigures[]> {
  const { pbx, orchestrator } = platform;
  const baseline = await orchestrator.usage({ gc: true });
  const load = createIvrLoad({ pbx, probe, did: DID, holdMs: HOLD_MS });
  const levels: IvrLevelFigures[] = [];
  try {
    for (const target of LEVELS) {
      const level = await measureLevel({
        load,
        probe,
        orchestrator,
        target,
        rampPerSecond: RAMP_PER_SECOND,
        settleMs: SETTLE_MS,
        seconds: settings.seconds,
        baseline,
      });
      levels.push(level);
      progress(
        `voice: ${target} calls → command latency p50 ${level.latency.p50.toFixed(1)} ms, p99 ${level.latency.p99.toFixed(1)} ms (${level.latency.count} commands)`,
      );
      if (!(level.latency.p99 < LATENCY_TARGET_MS)) break;
    }
  } finally {
    progress('voice: hanging up the IVR calls');
    await load.stop(10_000);
    await waitForCallsEnded(db);
  }
  return levels;
}

async function warmUp(pbx: PbxSimulator, pbxUrl: string, probe: AriProbe, setup: Setup) {
  progress('voice: warm-up (50 API calls, 50 raw originates, 50 IVR calls)');
  await setup(50);
  await runRawSetups({ url: pbxUrl, count: 50, window: 10, timeoutMs: 10_000 });
  const warm = createIvrLoad({ pbx, probe, did: DID, holdMs: 100 });
  await warm.rampTo(50, 100);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await warm.stop(5_000);
}

type Setup = (count: number) => Promise<SetupFigures>;

/**
 * Ceiling first (the platform idle), then the IVR levels (memory baseline after the
 * warm-up), then the API setups burst, which leaves the orchestrator's heap at its largest.
 */
async function measureVoice(settings: BenchSettings): Promise<VoiceFigures> {
  const probe = startAriProbe();
  try {
    return await withVoicePlatform(settings, async (platform) => {
      const { url, pbx, pbxUrl, runtime, databaseUrl } = platform;
      const project = await runtime.services.accounts.createProject({ name: 'bench' });
      const api = apiClient(url, project.api_key);
      const short = await api('POST', '/v1/flows', { name: 'short', definition: SHORT_FLOW });
      const ivr = await api('POST', '/v1/flows', { name: 'ivr', definition: IVR_FLOW });
      await api('POST', '/v1/numbers', { number: DID, voice_flow_id: ivr.id });
      const db: Db = createDb(databaseUrl, 2);
      try {
        const setup: Setup = (count) =>
          measureSetups({
            url,
            apiKey: project.api_key,
            body: { to: CALLEE, from: DID, flow_id: short.id },
            count,
            concurrency: settings.connections,
            db,
            timeoutMs: 60_000,
          });
        await warmUp(pbx, pbxUrl, probe, setup);
        const setupCount = (SETUP_TARGET * settings.seconds) / 2;
        progress(`voice: ceiling, ${setupCount} originates by a bare ARI client`);
        const raw = await runRawSetups({
          url: pbxUrl,
          count: setupCount,
          window: settings.connections,
          timeoutMs: 60_000,
        });
        const levels = await runIvrLevels(settings, probe, platform, db);
        progress(`voice: ${setupCount} POST /v1/calls, followed to in-progress`);
        const setups = await withSetupCost(platform, () => setup(setupCount));
        return { raw, setups, levels, setupCount };
      } finally {
        await db.destroy();
      }
    });
  } finally {
    probe.stop();
  }
}

export async function run(settings: BenchSettings): Promise<SuiteReport> {
  const figures = await measureVoice(settings);
  return buildVoiceReport(figures, settings, {
    setupTarget: SETUP_TARGET,
    concurrencyTarget: CONCURRENCY_TARGET,
    latencyTargetMs: LATENCY_TARGET_MS,
    holdMs: HOLD_MS,
    rampPerSecond: RAMP_PER_SECOND,
    settleMs: SETTLE_MS,
  });
}
