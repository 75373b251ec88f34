import { Agent, request } from 'undici';
import { startReceiver } from './support/receiver.js';
import { percentile, perSecond, waitUntil } from './support/stats.js';
import { withPlatform } from './support/platform.js';
import { countQueries } from './support/queries.js';
import type { BenchSettings } from './support/settings.js';
import type { Runtime } from '../src/runtime.js';

/**
 * Outbound webhooks: N deliveries scheduled with `scheduleWebhook` in one transaction while
 * the worker role's dispatcher runs; the commit releases them all at once, and the figure is
 * timed from the commit until every delivery is `succeeded`.
 * The ceiling is a bare undici POST loop of the same N bodies to the same receiver, with the
 * per-endpoint concurrency Trunkline allows (its endpoint guard lets 10 attempts run at once).
 */

const DELIVERIES = 5_000;
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
  /** Attempts logged beyond one per delivery (every attempt succeeds, so 0 unless one ran twice). */
  extraAttempts: number;
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

/**
 * Schedules N deliveries to the project's webhook URL in one transaction, so they become due
 * together at its commit; the ms the transaction took, and when it committed (epoch ms).
 */
async function scheduleDeliveries(runtime: Runtime, projectId: string) {
  const { scheduleWebhook, ids } = runtime.services;
  const started = performance.now();
  await runtime.db.transaction(async (trx) => {
    for (let i = 0; i < DELIVERIES; i += 1) {
      const data = { id: ids('msg'), status: 'delivered', to: '+14155550100', index: i };
      const event = { id: ids('evt'), type: 'message.delivered', createdAt: new Date(), data };
      await scheduleWebhook(trx, { projectId, event });
    }
  });
  return { ms: performance.now() - started, committed: Date.now() };
}

/** Waits until every delivery of the project has succeeded (bounded). */
async function timeDispatch(runtime: Runtime, projectId: string, released: number) {
  const { db } = runtime;
  const succeeded = async () =>
    Number(
      (
        await db('webhook_deliveries')
          .where({ project_id: projectId, status: 'succeeded' })
          .count({ n: '*' })
      )[0].n,
    );
  let polls = 0;
  await waitUntil(
    async () => {
      polls += 1;
      return (await succeeded()) >= DELIVERIES;
    },
    DRAIN_TIMEOUT_MS,
    50,
  );
  const [{ last }] = (await db('webhook_deliveries')
    .where({ project_id: projectId })
    .max({ last: 'updated_at' })) as Array<{ last: Date }>;
  const done = await succeeded();
  const attempts = Number(
    (await db('webhook_attempts').where({ project_id: projectId }).count({ n: '*' }))[0].n,
  );
  return {
    succeeded: done,
    perSec: perSecond(done, last.getTime() - released),
    extraAttempts: attempts - done,
    polls,
  };
}

async function measureOurs(settings: BenchSettings, receiverUrl: string) {
  return withPlatform(
    { settings, roles: { api: false, worker: true, orchestrator: false } },
    async ({ runtime }) => {
      const { accounts } = runtime.services;
      // A warm-up pass first, as the ceiling has: the same N deliveries for another project.
      const warmUp = await accounts.createProject({ name: 'bench warm-up' });
      await accounts.updateProject(warmUp.id, { webhook_url: receiverUrl });
      await timeDispatch(
        runtime,
        warmUp.id,
        (await scheduleDeliveries(runtime, warmUp.id)).committed,
      );
      const project = await accounts.createProject({ name: 'bench' });
      await accounts.updateProject(project.id, { webhook_url: receiverUrl });
      // Statements are counted from the first INSERT: the dispatcher's claims and logs, less
      // the INSERTs and the benchmark's own polls.
      const counter = countQueries(runtime.db);
      const scheduled = await scheduleDeliveries(runtime, project.id);
      const timed = await timeDispatch(runtime, project.id, scheduled.committed);
      counter.stop();
      const statements = (counter.count() - DELIVERIES - 2 - timed.polls) / DELIVERIES;
      const attempts = (await runtime
        .db('webhook_attempts')
        .where({ project_id: project.id })
        .select('latency_ms')) as Array<{ latency_ms: number }>;
      const { body } = (await runtime.db('webhook_deliveries').first('body')) as { body: string };
      return {
        ...timed,
        statements,
        scheduledPerSec: perSecond(DELIVERIES, scheduled.ms),
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
      extraAttempts: ours.extraAttempts,
      statements: ours.statements,
    };
  } finally {
    await receiver.close();
  }
}
