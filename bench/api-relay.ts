import type { IdGenerator } from '../src/platform/index.js';
import type { Runtime } from '../src/runtime.js';
import { withPlatform } from './support/platform.js';
import type { BenchSettings } from './support/settings.js';

/**
 * The outbox relay's throughput: N pending outbox rows moved to BullMQ by `relay.drain()`
 * (claim 500 with SKIP LOCKED, addBulk, mark enqueued), against the same N jobs added with a
 * plain `Queue.addBulk` loop in chunks of 500. Nothing consumes the queues.
 */

const ROWS = 20_000;
const CHUNK = 500;
const WARM_ROWS = 500;
const OPTIONS = { attempts: 25, backoff: { type: 'exponential' as const, delay: 2000 } };

export interface RelayFigures {
  count: number;
  oursPerSec: number;
  ceilingPerSec: number;
}

type OutboxRow = ReturnType<typeof outboxRowsOf>[number];

/** Rows as `outbox.add` writes them for a webhook delivery. */
function outboxRowsOf(ids: IdGenerator, count: number) {
  const now = new Date();
  return Array.from({ length: count }, () => ({
    id: ids('obx'),
    project_id: null,
    queue: 'webhooks',
    name: 'webhook.deliver',
    payload: { delivery_id: ids('whd') },
    options: OPTIONS,
    available_at: now,
    created_at: now,
  }));
}

async function insertRows(runtime: Runtime, count: number): Promise<OutboxRow[]> {
  const rows = outboxRowsOf(runtime.services.ids, count);
  for (let i = 0; i < rows.length; i += 1000) {
    await runtime.db('outbox').insert(rows.slice(i, i + 1000));
  }
  return rows;
}

/** ms for the relay to move `ROWS` fresh rows, after a warm-up drain. */
async function timeRelay(runtime: Runtime): Promise<{ ms: number; rows: OutboxRow[] }> {
  await insertRows(runtime, WARM_ROWS);
  await runtime.relay.drain();
  const rows = await insertRows(runtime, ROWS);
  await runtime.db.raw('analyze outbox');
  const started = performance.now();
  const moved = await runtime.relay.drain();
  const ms = performance.now() - started;
  if (moved !== ROWS) throw new Error(`relay moved ${moved} rows, expected ${ROWS}`);
  return { ms, rows };
}

/** ms for plain addBulk calls of the same jobs (fresh ids) on another queue, after a warm-up. */
async function timeAddBulk(runtime: Runtime, rows: OutboxRow[]): Promise<number> {
  const queue = runtime.queues.get('bench-ceiling');
  const jobsOf = (list: OutboxRow[], prefix: string) =>
    list.map((row) => ({
      name: row.name,
      data: row.payload,
      opts: { jobId: `${prefix}${row.id}`, delay: 0, ...OPTIONS },
    }));
  await queue.addBulk(jobsOf(rows.slice(0, WARM_ROWS), 'w'));
  const jobs = jobsOf(rows, 'c');
  const started = performance.now();
  for (let i = 0; i < jobs.length; i += CHUNK) await queue.addBulk(jobs.slice(i, i + CHUNK));
  return performance.now() - started;
}

export function measureRelay(settings: BenchSettings): Promise<RelayFigures> {
  return withPlatform(
    { settings, roles: { api: false, worker: false, orchestrator: false } },
    async ({ runtime }) => {
      const relay = await timeRelay(runtime);
      const ceilingMs = await timeAddBulk(runtime, relay.rows);
      return {
        count: ROWS,
        oursPerSec: (ROWS * 1000) / relay.ms,
        ceilingPerSec: (ROWS * 1000) / ceilingMs,
      };
    },
  );
}
