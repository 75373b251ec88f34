import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config.js';
import {
  createDb,
  createLogger,
  dropDatabase,
  ensureDatabase,
  migrateLatest,
} from '../../src/platform/index.js';
import { createRuntime, type Roles, type Runtime } from '../../src/runtime.js';
import type { BenchSettings } from './settings.js';
import { waitUntil } from './stats.js';

/**
 * Starts Trunkline for a benchmark the way the integration harness does: a fresh database
 * `trunkline_bench_<pid>` (migrated), a Redis prefix of its own, the real composition root,
 * the API on 127.0.0.1 port 0. Everything is removed afterwards, also when the suite throws
 * or the run is interrupted (Ctrl-C), so a benchmark leaves no database or keys behind.
 */

export const BENCH_ADMIN_TOKEN = 'bench-admin-token';
const pending = new Set<() => Promise<void>>();

export interface BenchPlatform {
  /** `http://127.0.0.1:<port>`, or null when the API role is off. */
  url: string | null;
  runtime: Runtime;
  config: Config;
  /** Where the run's own tables may live (the ceilings' comparison tables). */
  databaseUrl: string;
}

export interface PlatformOptions {
  roles: Roles;
  /** Extra settings (e.g. `SMPP_URL`), over the bench defaults. */
  env?: Record<string, string>;
  settings: BenchSettings;
}

function benchDatabaseUrl(serverUrl: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/trunkline_bench_${process.pid}`;
  return url.toString();
}

/** Deletes every key under `prefix` (SCAN, never KEYS). */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Waits (at most 5 s) until no database work is in flight. A load generator that stops leaves
 * requests running on the server; stopping the runtime under them would abort their pool
 * acquisitions and fill the output with errors that say nothing about the figures.
 */
async function settle(runtime: Runtime): Promise<void> {
  const pool = (runtime.db.client as { pool?: { numUsed(): number; numPendingAcquires(): number } })
    .pool;
  if (!pool) return;
  await waitUntil(async () => pool.numUsed() === 0 && pool.numPendingAcquires() === 0, 5000, 50);
}

/**
 * Runs `use` against a freshly started platform and always tears it down: stops the runtime,
 * drops the database, deletes the Redis keys and the data directory. One at a time per
 * process: the database is named after the process id.
 */
export async function withPlatform<T>(
  options: PlatformOptions,
  use: (platform: BenchPlatform) => Promise<T>,
): Promise<T> {
  const { settings } = options;
  const databaseUrl = benchDatabaseUrl(settings.databaseUrl);
  const runId = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const redisPrefix = `tlbench:${runId}`;
  const dataDir = join(tmpdir(), `trunkline-bench-${runId}`);
  let runtime: Runtime | null = null;
  const cleanup = async () => {
    pending.delete(cleanup);
    if (runtime) await settle(runtime);
    await runtime?.stop().catch(() => undefined);
    runtime = null;
    await dropDatabase(databaseUrl).catch(() => undefined);
    await deleteRedisKeys(settings.redisUrl, redisPrefix).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  pending.add(cleanup);
  try {
    await ensureDatabase(databaseUrl);
    const db = createDb(databaseUrl, 1);
    await migrateLatest(db).finally(() => db.destroy());
    const config = loadConfig({
      DATABASE_URL: databaseUrl,
      REDIS_URL: settings.redisUrl,
      REDIS_PREFIX: redisPrefix,
      ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      LOG_LEVEL: settings.logLevel,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      RATE_LIMIT_PER_SECOND: '1000000',
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      ...options.env,
    });
    runtime = createRuntime(config, {
      roles: options.roles,
      logger: createLogger(config.logLevel),
    });
    const port = await runtime.start(0);
    return await use({
      url: port === null ? null : `http://127.0.0.1:${port}`,
      runtime,
      config,
      databaseUrl,
    });
  } finally {
    await cleanup();
  }
}

/** On SIGINT/SIGTERM, tears down whatever platform is running, then exits. */
export function cleanUpOnSignals(): void {
  const stop = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: removing the bench database and Redis keys...\n`);
    void Promise.all([...pending].map((fn) => fn())).finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
