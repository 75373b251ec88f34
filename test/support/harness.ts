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
  type Clock,
  type IdGenerator,
} from '../../src/platform/index.js';
import { createRuntime, type Roles, type Runtime } from '../../src/runtime.js';

/**
 * The integration harness. Each test run gets its own database (created and migrated once,
 * dropped at the end) and its own Redis key prefix, so runs never see each other's data and
 * `npm test` passes on a new machine and when run twice.
 */
const runId = `${process.pid}_${randomBytes(3).toString('hex')}`;
const baseDatabaseUrl =
  process.env.TEST_DATABASE_URL ??
  process.env.DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/trunkline';
const databaseUrl = (() => {
  const url = new URL(baseDatabaseUrl);
  url.pathname = `/trunkline_test_${runId}`;
  return url.toString();
})();
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisPrefix = `tltest:${runId}`;
export const ADMIN_TOKEN = 'test-admin-token';

let prepared: Promise<void> | null = null;

/** Creates and migrates the run's database once. */
export function prepareDatabase(): Promise<void> {
  prepared ??= (async () => {
    await ensureDatabase(databaseUrl);
    const db = createDb(databaseUrl, 1);
    try {
      await migrateLatest(db);
    } finally {
      await db.destroy();
    }
  })();
  return prepared;
}

/** Drops the run's database and Redis keys (root afterAll hook). */
export async function teardownHarness(): Promise<void> {
  if (!prepared) return;
  await prepared.catch(() => undefined);
  await dropDatabase(databaseUrl);
  rmSync(join(tmpdir(), `trunkline-test-${runId}`), { recursive: true, force: true });
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
}

/** The test configuration, with overrides (e.g. `{ WEBHOOK_RETRY_DELAYS: '0.05,0.05' }`). */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: redisPrefix,
    ADMIN_TOKEN,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    DATA_DIR: join(tmpdir(), `trunkline-test-${runId}`),
    OUTBOX_SWEEP_MS: '200',
    OUTBOX_RECHECK_MS: '200',
    WEBHOOK_BREAKER_THRESHOLD: '8',
    WEBHOOK_BREAKER_OPEN_MS: '300',
    RATE_LIMIT_PER_SECOND: '10000',
    HOST: '127.0.0.1',
    ...env,
  });
}

export interface TestApp {
  url: string;
  runtime: Runtime;
  stop(): Promise<void>;
}

/** Starts the whole platform (API on port 0, workers, relay) against the run's database. */
export async function startApp(
  options: {
    env?: Record<string, string>;
    roles?: Partial<Roles>;
    clock?: Clock;
    ids?: IdGenerator;
  } = {},
): Promise<TestApp> {
  await prepareDatabase();
  const config = testConfig(options.env);
  const runtime = createRuntime(config, {
    roles: { api: true, worker: true, orchestrator: true, ...options.roles },
    logger: createLogger(config.logLevel),
    clock: options.clock,
    ids: options.ids,
  });
  const port = await runtime.start(0);
  return { url: `http://127.0.0.1:${port}`, runtime, stop: () => runtime.stop() };
}

export interface TestProject {
  id: string;
  apiKey: string;
  webhookSecret: string;
}

/** A fresh project: each test file works in its own tenant. */
export async function createTestProject(app: TestApp, name = 'test'): Promise<TestProject> {
  const created = await app.runtime.services.accounts.createProject({ name });
  return { id: created.id, apiKey: created.api_key, webhookSecret: created.webhook_secret };
}

/** The run's database URL and Redis settings, for component tests that wire pieces themselves. */
export const harnessSettings = { databaseUrl, redisUrl, redisPrefix };

/** Deletes every Redis key of this run: from the platform's view, the same as FLUSHALL. */
export async function wipeRedis(): Promise<number> {
  const redis = new Redis(redisUrl);
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
    if (keys.length) count += await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
  return count;
}
