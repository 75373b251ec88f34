import { Pool } from 'undici';
import type { Db } from '../src/platform/index.js';
import { percentile, perSecond, waitUntil } from './support/stats.js';

/**
 * Call setups through the whole platform: `count` POST /v1/calls for a short flow (say, hang
 * up), sent as fast as `concurrency` keep-alive connections allow, each followed through the
 * outbox, the `calls.originate` job and the PBX to `initiated` and `in-progress`. Timestamps
 * come from the calls' rows (`created_at`, `started_at`, `answered_at`).
 */

export interface SetupFigures {
  accepted: number;
  refused: number;
  /** 201 answers per second over the posting. */
  acceptedPerSec: number;
  postP50: number;
  postP99: number;
  initiated: number;
  answered: number;
  /** From the first call created to the last one initiated / answered. */
  initiatedPerSec: number;
  answeredPerSec: number;
  /** created → initiated / in-progress, ms (queueing behind the burst included). */
  initiatedP50: number;
  initiatedP99: number;
  answeredP50: number;
  answeredP99: number;
  /** Statuses of the calls when the wait ended (every call final, or the wait timed out). */
  statuses: Record<string, number>;
}

async function postCalls(
  url: string,
  apiKey: string,
  body: string,
  count: number,
  concurrency: number,
) {
  const pool = new Pool(url, { connections: concurrency, pipelining: 1 });
  const latencies: number[] = [];
  let next = 0;
  let refused = 0;
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const worker = async () => {
    while (next < count) {
      next += 1;
      const started = performance.now();
      const res = await pool.request({ method: 'POST', path: '/v1/calls', headers, body });
      await res.body.dump();
      if (res.statusCode === 201) latencies.push(performance.now() - started);
      else refused += 1;
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await pool.close();
  }
  return { latencies, refused, ms: performance.now() - started };
}

const FINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

interface Row {
  status: string;
  created: string;
  started: string | null;
  answered: string | null;
}

async function callRows(db: Db, since: Date): Promise<Row[]> {
  return (await db('calls')
    .where('created_at', '>=', since)
    .where('direction', 'outbound')
    .select(
      'status',
      db.raw('extract(epoch from created_at) * 1000 as created'),
      db.raw('extract(epoch from started_at) * 1000 as started'),
      db.raw('extract(epoch from answered_at) * 1000 as answered'),
    )) as Row[];
}

function rateOf(rows: Row[], key: 'started' | 'answered'): { count: number; perSec: number } {
  const times = rows.filter((r) => r[key] !== null).map((r) => Number(r[key]));
  if (times.length === 0) return { count: 0, perSec: 0 };
  const first = Math.min(...rows.map((r) => Number(r.created)));
  return { count: times.length, perSec: perSecond(times.length, Math.max(...times) - first) };
}

function delays(rows: Row[], key: 'started' | 'answered'): number[] {
  return rows.filter((r) => r[key] !== null).map((r) => Number(r[key]) - Number(r.created));
}

export async function measureSetups(input: {
  url: string;
  apiKey: string;
  body: Record<string, unknown>;
  count: number;
  concurrency: number;
  /** The benchmark's own pool on the bench database. */
  db: Db;
  timeoutMs: number;
}): Promise<SetupFigures> {
  const since = new Date(Date.now() - 5);
  const posted = await postCalls(
    input.url,
    input.apiKey,
    JSON.stringify(input.body),
    input.count,
    input.concurrency,
  );
  const accepted = posted.latencies.length;
  await waitUntil(
    async () => {
      const rows = await callRows(input.db, since);
      return rows.filter((r) => FINAL.has(r.status)).length >= accepted;
    },
    input.timeoutMs,
    200,
  );
  const rows = await callRows(input.db, since);
  const statuses: Record<string, number> = {};
  for (const row of rows) statuses[row.status] = (statuses[row.status] ?? 0) + 1;
  const initiated = rateOf(rows, 'started');
  const answered = rateOf(rows, 'answered');
  const toInitiated = delays(rows, 'started');
  const toAnswered = delays(rows, 'answered');
  return {
    accepted,
    refused: posted.refused,
    acceptedPerSec: perSecond(accepted, posted.ms),
    postP50: percentile(posted.latencies, 50),
    postP99: percentile(posted.latencies, 99),
    initiated: initiated.count,
    answered: answered.count,
    initiatedPerSec: initiated.perSec,
    answeredPerSec: answered.perSec,
    initiatedP50: percentile(toInitiated, 50),
    initiatedP99: percentile(toInitiated, 99),
    answeredP50: percentile(toAnswered, 50),
    answeredP99: percentile(toAnswered, 99),
    statuses,
  };
}
