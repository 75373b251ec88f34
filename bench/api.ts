import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { measureRelay } from './api-relay.js';
import { runLoad, type LoadResult, type LoadSpec } from './support/load.js';
import { withPlatform } from './support/platform.js';
import { statementsPerCall } from './support/queries.js';
import type { ReportRow, SuiteReport } from './support/report.js';
import type { BenchSettings } from './support/settings.js';

/**
 * `api`: the HTTP API under autocannon (authenticated GET, idempotent POST with fresh keys and
 * with one replayed key) against a bare Express 5 app on the same machine with the same
 * settings, and the outbox relay against a plain BullMQ `addBulk` loop.
 */

const ROTATE_PATH = '/v1/project/webhook-secret/rotate';
const GET_TARGET = 0.6;

interface BareApp {
  url: string;
  close(): Promise<void>;
}

/** The ceiling: Express 5, one JSON handler per route, no middleware but the body parser. */
async function startBareExpress(getBody: unknown, postBody: unknown): Promise<BareApp> {
  const app = express();
  app.get('/v1/project', (_req, res) => {
    res.json(getBody);
  });
  app.post(ROTATE_PATH, express.json(), (_req, res) => {
    res.json(postBody);
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function httpRows(
  label: string,
  ours: LoadResult,
  bare: LoadResult,
  statements: number,
): ReportRow[] {
  const ceilingLabel = 'bare Express 5';
  return [
    {
      metric: `${label}: requests/s`,
      ours: ours.okPerSec,
      ceiling: bare.okPerSec,
      ceilingLabel,
      unit: 'req/s',
      kind: 'rate',
    },
    {
      metric: `${label}: p50 latency`,
      ours: ours.p50,
      ceiling: bare.p50,
      unit: 'ms',
      kind: 'latency',
    },
    {
      metric: `${label}: p99 latency`,
      ours: ours.p99,
      ceiling: bare.p99,
      unit: 'ms',
      kind: 'latency',
    },
    {
      metric: `${label}: SQL statements per request`,
      ours: statements,
      unit: '',
      kind: 'count',
    },
  ];
}

function failuresOf(name: string, result: LoadResult): string | null {
  const bad = result.non2xx + result.errors;
  return bad === 0
    ? null
    : `${name}: ${bad} non-2xx/errors (${JSON.stringify(result.statusCodes)})`;
}

async function measureHttp(settings: BenchSettings) {
  return withPlatform(
    { settings, roles: { api: true, worker: false, orchestrator: false } },
    async ({ url, runtime }) => {
      const project = await runtime.services.accounts.createProject({ name: 'bench' });
      const headers = { authorization: `Bearer ${project.api_key}` };
      const ours = url!;
      const sample = await (await fetch(`${ours}/v1/project`, { headers })).json();
      const bare = await startBareExpress(sample, {
        webhook_secret: project.webhook_secret,
        webhook_secret_hint: 'whsec_…',
        previous_secret_expires_at: new Date().toISOString(),
      });
      try {
        const base = {
          connections: settings.connections,
          seconds: settings.seconds,
          warmupSeconds: 1,
          headers,
        } satisfies Partial<LoadSpec>;
        const get = {
          ...base,
          method: 'GET',
          path: '/v1/project',
          vary: { kind: 'none' },
        } as const;
        const post = { ...base, method: 'POST', path: ROTATE_PATH } as const;
        const fresh = { kind: 'idempotency-key' } as const;
        const request = (path: string, init: RequestInit = {}) =>
          fetch(`${ours}${path}`, { ...init, headers: { ...headers, ...init.headers } }).then((r) =>
            r.arrayBuffer(),
          );
        const rotate = (key: string) =>
          request(ROTATE_PATH, { method: 'POST', headers: { 'idempotency-key': key } });
        const statements = {
          get: await statementsPerCall(runtime.db, 50, () => request('/v1/project')),
          fresh: await statementsPerCall(runtime.db, 50, (i) => rotate(`count-${i}`)),
          replay: await statementsPerCall(runtime.db, 50, () => rotate('count-0')),
        };
        return {
          statements,
          bareGet: await runLoad({ ...get, url: bare.url }),
          ourGet: await runLoad({ ...get, url: ours }),
          barePost: await runLoad({ ...post, url: bare.url, vary: fresh }),
          ourPostFresh: await runLoad({ ...post, url: ours, vary: fresh }),
          ourPostReplay: await runLoad({
            ...post,
            url: ours,
            headers: { ...headers, 'idempotency-key': 'bench-replayed-key' },
            vary: { kind: 'none' },
          }),
        };
      } finally {
        await bare.close();
      }
    },
  );
}

export async function run(settings: BenchSettings): Promise<SuiteReport> {
  const http = await measureHttp(settings);
  const relay = await measureRelay(settings);
  const ratio = http.ourGet.okPerSec / http.bareGet.okPerSec;
  const { statements, ...loads } = http;
  const failures = Object.entries(loads)
    .map(([name, result]) => failuresOf(name, result))
    .filter((line): line is string => line !== null);
  return {
    suite: 'api',
    title: 'HTTP API and outbox relay',
    rows: [
      ...httpRows('GET /v1/project (authenticated)', http.ourGet, http.bareGet, statements.get),
      ...httpRows(
        'POST rotate, fresh Idempotency-Key',
        http.ourPostFresh,
        http.barePost,
        statements.fresh,
      ),
      ...httpRows(
        'POST rotate, one key replayed',
        http.ourPostReplay,
        http.barePost,
        statements.replay,
      ),
      {
        metric: `outbox relay.drain() of ${relay.count.toLocaleString('en-US')} rows → BullMQ`,
        ours: relay.oursPerSec,
        ceiling: relay.ceilingPerSec,
        ceilingLabel: 'Queue.addBulk, chunks of 500',
        unit: 'rows/s',
        kind: 'rate',
      },
    ],
    notes: [
      `autocannon in a child process, ${settings.connections} connections, ${settings.seconds} s per phase after a 1 s warm-up; the bare app runs in the benchmark process like Trunkline.`,
      'Trunkline runs the API role only (no workers), LOG_LEVEL=warn, rate limit 1,000,000/s (the Redis rate-limit check still runs on every request).',
      'The POST ceiling is the bare app answering the same path with express.json() and a fixed body.',
      `Relay: rows bulk-inserted and ANALYZEd first, no worker consuming; the ceiling adds the same ${relay.count.toLocaleString('en-US')} jobs (same ids, names, options) to another queue.`,
      ...(failures.length > 0 ? failures : ['Every response was 2xx.']),
    ],
    targets: [
      {
        target: `authenticated GET ≥ ${GET_TARGET * 100}% of bare Express`,
        met: ratio >= GET_TARGET,
        figure: `${(ratio * 100).toFixed(0)}% (${Math.round(http.ourGet.okPerSec)} vs ${Math.round(http.bareGet.okPerSec)} req/s)`,
      },
    ],
  };
}
