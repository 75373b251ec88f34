import pg from 'pg';
import { runLoad } from './support/load.js';
import { BENCH_ADMIN_TOKEN, withPlatform } from './support/platform.js';
import { statementsPerCall } from './support/queries.js';
import { signedDlr } from './support/standard-webhooks.js';
import { perSecond } from './support/stats.js';
import type { BenchSettings } from './support/settings.js';

/**
 * Provider ingress: signed `POST /v1/ingress/{connector}/dlr` with unique provider event ids
 * under autocannon (API role only, so nothing processes the events), against a plain
 * `INSERT ... ON CONFLICT DO NOTHING` loop into a copy of `ingress_events` with the same number
 * of concurrent lanes over a pool as large as Trunkline's (10 connections).
 */

const POOL_SIZE = 10;

export interface IngressFigures {
  oursPerSec: number;
  oursP50: number;
  oursP99: number;
  failures: number;
  stored: number;
  accepted: number;
  ceilingPerSec: number;
  /** SQL statements per accepted event. */
  statements: number;
}

async function insertLoop(databaseUrl: string, lanes: number, seconds: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  let counter = 0;
  const phase = async (ms: number) => {
    const until = Date.now() + ms;
    let inserted = 0;
    const lane = async () => {
      while (Date.now() < until) {
        counter += 1;
        const payload = {
          provider_event_id: `e-${counter}`,
          provider_message_id: `m-${counter}`,
          status: 'delivered',
        };
        await pool.query(
          `insert into bench_ingress_events (connector_id, provider_event_id, kind, payload, received_at)
           values ($1, $2, $3, $4, $5) on conflict do nothing`,
          ['con_bench', payload.provider_event_id, 'dlr', JSON.stringify(payload), new Date()],
        );
        inserted += 1;
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: lanes }, lane));
    return perSecond(inserted, performance.now() - started);
  };
  try {
    await phase(1000);
    return await phase(seconds * 1000);
  } finally {
    await pool.end();
  }
}

export function measureIngress(settings: BenchSettings): Promise<IngressFigures> {
  return withPlatform(
    { settings, roles: { api: true, worker: false, orchestrator: false } },
    async ({ url, runtime, databaseUrl }) => {
      const created = await fetch(`${url}/admin/v1/connectors`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${BENCH_ADMIN_TOKEN}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          kind: 'http',
          name: 'bench',
          allowed_cidrs: ['127.0.0.0/8', '::1/128'],
        }),
      });
      if (created.status !== 201)
        throw new Error(`creating the connector answered ${created.status}`);
      const connector = (await created.json()) as { id: string; secret: string };
      const path = `/v1/ingress/${connector.id}/dlr`;
      const statements = await statementsPerCall(runtime.db, 50, async (i) => {
        const signed = signedDlr(connector.secret, `count-${i}`);
        await fetch(`${url}${path}`, { method: 'POST', ...signed }).then((r) => r.arrayBuffer());
      });
      const ours = await runLoad({
        url: url!,
        method: 'POST',
        path,
        body: '{}',
        connections: settings.connections,
        seconds: settings.seconds,
        warmupSeconds: 1,
        vary: { kind: 'signed-ingress', secret: connector.secret },
      });
      const [{ n }] = await runtime.db('ingress_events').count({ n: '*' });
      await runtime.db.raw('create table bench_ingress_events (like ingress_events including all)');
      const ceilingPerSec = await insertLoop(databaseUrl, settings.connections, settings.seconds);
      return {
        oursPerSec: ours.okPerSec,
        oursP50: ours.p50,
        oursP99: ours.p99,
        failures: ours.non2xx + ours.errors,
        stored: Number(n),
        accepted: ours.ok,
        ceilingPerSec,
        statements,
      };
    },
  );
}
