import { createDb, type Db } from '../src/platform/index.js';
import { e2eLatencies, pendingWebhooks, waitForDelivery, webhookStats } from './sms-stats.js';
import { runLoad, type LoadResult, type LoadSpec } from './support/load.js';
import { withPlatform } from './support/platform.js';
import { startCpuWindow, type CpuSplit } from './support/process-cpu.js';
import { startRoleProcess, type RoleProcess } from './support/role-process.js';
import type { BenchReceiver } from './support/receiver.js';
import { percentile, progress, waitUntil } from './support/stats.js';
import type { BenchSettings } from './support/settings.js';

/**
 * Trunkline's side of the `sms` suite: the whole platform bound to the benchmark's SMSC
 * simulator, webhooks on, deployed as in production: the API role and the worker role (send
 * dispatcher, SMPP binds, receipts, webhook deliveries, relay) each in a child process, like
 * `trunkline api` next to `trunkline worker`. The SMSC simulator and the customer's webhook
 * receiver stay in this process, as outside parties do: until 2026-12-06 the API role ran
 * here too, so its event loop also served every submit, receipt and webhook of the run.
 * Phase 1 posts messages as fast as the API takes them and follows them to `delivered`;
 * phase 2 holds 500 req/s (paced, open loop) and reads API latency.
 */

export const FIXED_RATE = 500;
const DELIVERY_WAIT_MS = 45_000;
const WEBHOOK_WAIT_MS = 30_000;
export const MESSAGE_TEXT = 'Trunkline benchmark message';

export interface ThroughputFigures {
  load: LoadResult;
  /** Messages the API created during the phase (autocannon's 2xx plus those in flight at the end). */
  created: number;
  /** SQL statements Trunkline's processes sent from the phase's start until its webhooks were done. */
  statements: number;
  delivered: number;
  /** Messages whose DLR arrived but was never applied (left `sent`). */
  stranded: number;
  /** ms since the phase started: first and last submit, first and last delivered_at. */
  submits: number[];
  firstDeliveredMs: number;
  lastDeliveredMs: number;
  e2eP50: number;
  e2eP99: number;
  webhooks: { total: number; pendingAtLastDelivery: number; succeeded: number; lastMs: number };
  /** CPU each group of processes used from the phase's start until its webhooks were done. */
  cpu: CpuSplit;
}

export interface FixedRateFigures {
  load: LoadResult;
  /** Webhook deliveries of phase 1 still pending when this phase started. */
  webhooksPendingAtStart: number;
  /** Messages whose DLR arrived but was never applied (left `sent`). */
  stranded: number;
  /** ms after the load ended until its last message was delivered; null if not within the wait. */
  caughtUpMs: number | null;
}

/** What the SMSC simulator tells the benchmark. */
export interface SmscProbe {
  /** Arrival time (ms since epoch) of every `submit_sm`. */
  submitTimes(): readonly number[];
  boundSessions(): number;
}

const noPendingWebhooks = (db: Db) =>
  waitUntil(async () => (await pendingWebhooks(db)) === 0, WEBHOOK_WAIT_MS);

async function warmUp(
  spec: LoadSpec,
  db: Db,
  projectId: string,
): Promise<{ warm: Date; stranded: number }> {
  progress('sms: warm-up at 200 req/s for 1 s, then drain');
  const warm = new Date();
  await runLoad({ ...spec, seconds: 1, overallRate: 200 });
  const stats = await waitForDelivery(db, projectId, warm, DELIVERY_WAIT_MS);
  await noPendingWebhooks(db);
  return { warm, stranded: stats.stranded };
}

/** The platform's two processes, as `trunkline api` and `trunkline worker`. */
interface Roles {
  api: RoleProcess;
  worker: RoleProcess;
}

const statementsOf = async ({ api, worker }: Roles) =>
  (await api.statements()) + (await worker.statements());

const cpuOf = async ({ api, worker }: Roles) => ({
  apiMs: (await api.usage()).cpuMs,
  workerMs: (await worker.usage()).cpuMs,
});

async function throughputPhase(
  spec: LoadSpec,
  roles: Roles,
  db: Db,
  projectId: string,
  smsc: SmscProbe,
): Promise<ThroughputFigures> {
  progress('sms: phase 1, POST /v1/messages as fast as accepted');
  const since = new Date();
  const t0 = since.getTime();
  const statementsBefore = await statementsOf(roles);
  const cpu = startCpuWindow(await cpuOf(roles));
  const load = await runLoad(spec);
  progress('sms: phase 1, waiting until every message is delivered');
  const stats = await waitForDelivery(db, projectId, since, DELIVERY_WAIT_MS);
  const atLastDelivery = await webhookStats(db, since);
  progress('sms: phase 1, waiting for the webhooks');
  await noPendingWebhooks(db);
  const cpuSplit = cpu.end(await cpuOf(roles));
  const statements = (await statementsOf(roles)) - statementsBefore;
  const hooks = await webhookStats(db, since);
  const latencies = await e2eLatencies(db, since);
  return {
    load,
    created: stats.created,
    statements,
    delivered: stats.delivered,
    stranded: stats.stranded,
    submits: smsc
      .submitTimes()
      .filter((t) => t >= t0)
      .map((t) => t - t0),
    firstDeliveredMs: (stats.first?.getTime() ?? t0) - t0,
    lastDeliveredMs: (stats.last?.getTime() ?? t0) - t0,
    e2eP50: percentile(latencies, 50),
    e2eP99: percentile(latencies, 99),
    webhooks: {
      total: hooks.total,
      pendingAtLastDelivery: atLastDelivery.pending,
      succeeded: hooks.succeeded,
      lastMs: (hooks.last?.getTime() ?? t0) - t0,
    },
    cpu: cpuSplit,
  };
}

async function fixedRatePhase(
  spec: LoadSpec,
  db: Db,
  projectId: string,
  warm: Date,
): Promise<FixedRateFigures> {
  const pendingHooks = (await webhookStats(db, warm)).pending;
  progress(`sms: phase 2, ${FIXED_RATE} req/s`);
  const since = new Date();
  // Paced: one request every 2 ms, latency from when each was due (see paced-load.ts), after
  // 1 s of the same (its connections opened, its messages in the pipeline), not measured.
  const load = await runLoad({ ...spec, overallRate: FIXED_RATE, paced: true, warmupSeconds: 1 });
  const loadEnded = Date.now();
  progress('sms: phase 2, waiting until every message is delivered');
  const stats = await waitForDelivery(db, projectId, since, DELIVERY_WAIT_MS);
  const caughtUp = stats.delivered + stats.stranded >= stats.created && stats.last !== null;

  return {
    load,
    webhooksPendingAtStart: pendingHooks,
    stranded: stats.stranded,
    caughtUpMs: caughtUp ? Math.max(0, stats.last!.getTime() - loadEnded) : null,
  };
}

/**
 * Runs the warm-up and both phases against a started platform. The benchmark's own polling
 * goes through a pool of its own, and the statements are counted in the role processes, so
 * the count is Trunkline's alone.
 */
export async function measurePlatform(
  settings: BenchSettings,
  smppUrl: string,
  receiver: BenchReceiver,
  smsc: SmscProbe,
) {
  const none = { api: false, worker: false, orchestrator: false };
  return withPlatform(
    { settings, roles: none, env: { SMPP_URL: smppUrl } },
    async ({ runtime, databaseUrl, config }) => {
      const db = createDb(databaseUrl, 2);
      const [api, worker] = await Promise.all([
        startRoleProcess(config, { ...none, api: true }),
        startRoleProcess(config, { ...none, worker: true }),
      ]);
      try {
        if (api.port === null) throw new Error('the API process reported no port');
        const url = `http://127.0.0.1:${api.port}`;
        const { accounts } = runtime.services;
        const project = await accounts.createProject({ name: 'bench' });
        await accounts.updateProject(project.id, { webhook_url: receiver.url });
        if (!(await waitUntil(async () => smsc.boundSessions() > 0, 10_000))) {
          throw new Error('Trunkline did not bind to the SMSC simulator within 10 s');
        }
        const spec: LoadSpec = {
          url,
          method: 'POST',
          path: '/v1/messages',
          headers: {
            authorization: `Bearer ${project.api_key}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ from: 'Trunkline', to: '+14155550100', body: MESSAGE_TEXT }),
          connections: settings.connections,
          seconds: settings.seconds,
          warmupSeconds: 0,
          vary: { kind: 'none' },
        };
        const warmUpResult = await warmUp(spec, db, project.id);
        const throughput = await throughputPhase(spec, { api, worker }, db, project.id, smsc);
        const fixedRate = await fixedRatePhase(spec, db, project.id, warmUpResult.warm);
        return { throughput, fixedRate, warmUpStranded: warmUpResult.stranded };
      } finally {
        await Promise.all([api.stop(), worker.stop()]);
        await db.destroy();
      }
    },
  );
}
