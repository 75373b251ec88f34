import { Agent, request } from 'undici';
import { startReceiver } from './support/receiver.js';
import { percentile, perSecond, waitUntil } from './support/stats.js';
import { withPlatform } from './support/platform.js';
import { countQueries } from './support/queries.js';
import type { BenchSettings } from './support/settings.js';
import type { Runtime } from '../src/runtime.js';

/**
 * Outbound webhooks: N deliveries scheduled with `scheduleWebhook` (batched transactions) into
 * a paused queue, then released; timed from release until every delivery is `succeeded`.
 * The ceiling is a bare undici POST loop of the same N bodies to the same receiver, with the
 * per-endpoint concurrency Trunkline allows (its endpoint guard lets 10 attempts run at once).
 */

const DELIVERIES = 5_000;
const BATCH = 500;
/** `maxConcurrent` of the endpoint guard in src/webhooks/feature.ts. */
export const PER_ENDPOINT_CONCURRENCY = 10;
const DRAIN_TIMEOUT_MS = 90_000;

export interface DeliveryFigures {
  count: number;
  succeeded: number;
  scheduledPerSec: number;
  oursPerSec: number;
  oursP50: number;
  oursP99: number;
  ceilingPerSec: number;
  ceilingP50: number;
  ceilingP99: number;
  /**
   * Most jobs seen delayed at once while draining: with every attempt succeeding, a delayed job
   * is one the endpoint guard parked as busy (postponed 1 s without an attempt).
   */
  maxDelayed: number;
  /** SQL statements per delivery while draining (the benchmark's own polling left out). */
  statements: number;
}

async function bareUndiciLoop(url: string, body: string, count: number, concurrency: number) {
  const agent = new Agent({ keepAliveTimeout: 4000 });
  const latencies: number[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next += 1;
      const started = performance.now();
      const res = await request(url, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json' },
        body,
      });
      await res.body.dump();
      latencies.push(performance.now() - started);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, lane)); // warm-up
    latencies.length = 0;
    next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, lane));
    return { perSec: perSecond(count, performance.now() - started), latencies };
  } finally {
    await agent.close();
  }
}

/** Schedules N deliveries to the project's webhook URL in transactions of BATCH; ms taken. */
async function scheduleDeliveries(runtime: Runtime, projectId: string): Promise<number> {
  const { scheduleWebhook, ids } = runtime.services;
  const started = performance.now();
  for (let done = 0; done < DELIVERIES; done += BATCH) {
    await runtime.db.transaction(async (trx) => {
      for (let i = done; i < Math.min(DELIVERIES, done + BATCH); i += 1) {
        const data = { id: ids('msg'), status: 'delivered', to: '+14155550100', index: i };
        const event = { id: ids('evt'), type: 'message.delivered', createdAt: new Date(), data };
        await scheduleWebhook(trx, { projectId, event });
      }
    });
  }
  return performance.now() - started;
}

/** Releases the paused queue and waits until every delivery has succeeded (bounded). */
async function releaseAndTime(runtime: Runtime) {
  const { db } = runtime;
  const queue = runtime.queues.get('webhooks');
  const succeeded = async () =>
    Number((await db('webhook_deliveries').where({ status: 'succeeded' }).count({ n: '*' }))[0].n);
  const counter = countQueries(db);
  const released = Date.now();
  await queue.resume();
  let maxDelayed = 0;
  let polls = 0;
  await waitUntil(
    async () => {
      polls += 1;
      maxDelayed = Math.max(maxDelayed, await queue.getDelayedCount());
      return (await succeeded()) >= DELIVERIES;
    },
    DRAIN_TIMEOUT_MS,
    50,
  );
  counter.stop();
  const [{ last }] = (await db('webhook_deliveries').max({ last: 'updated_at' })) as Array<{
    last: Date;
  }>;
  const done = await succeeded();
  return {
    succeeded: done,
    perSec: perSecond(done, last.getTime() - released),
    maxDelayed,
    statements: (counter.count() - polls) / DELIVERIES,
  };
}

async function measureOurs(settings: BenchSettings, receiverUrl: string) {
  return withPlatform(
    { settings, roles: { api: false, worker: true, orchestrator: false } },
    async ({ runtime }) => {
      const { accounts } = runtime.services;
      const project = await accounts.createProject({ name: 'bench' });
      await accounts.updateProject(project.id, { webhook_url: receiverUrl });
      await runtime.queues.get('webhooks').pause();
      const scheduledMs = await scheduleDeliveries(runtime, project.id);
      await runtime.relay.drain();
      const timed = await releaseAndTime(runtime);
      const attempts = (await runtime.db('webhook_attempts').select('latency_ms')) as Array<{
        latency_ms: number;
      }>;
      const { body } = (await runtime.db('webhook_deliveries').first('body')) as { body: string };
      return {
        ...timed,
        scheduledPerSec: perSecond(DELIVERIES, scheduledMs),
        latencies: attempts.map((a) => a.latency_ms),
        body,
      };
    },
  );
}

export async function measureDeliveries(settings: BenchSettings): Promise<DeliveryFigures> {
  const receiver = await startReceiver();
  try {
    const ours = await measureOurs(settings, receiver.url);
    const ceiling = await bareUndiciLoop(
      receiver.url,
      ours.body,
      DELIVERIES,
      PER_ENDPOINT_CONCURRENCY,
    );
    return {
      count: DELIVERIES,
      succeeded: ours.succeeded,
      scheduledPerSec: ours.scheduledPerSec,
      oursPerSec: ours.perSec,
      oursP50: percentile(ours.latencies, 50),
      oursP99: percentile(ours.latencies, 99),
      ceilingPerSec: ceiling.perSec,
      ceilingP50: percentile(ceiling.latencies, 50),
      ceilingP99: percentile(ceiling.latencies, 99),
      maxDelayed: ours.maxDelayed,
      statements: ours.statements,
    };
  } finally {
    await receiver.close();
  }
}
