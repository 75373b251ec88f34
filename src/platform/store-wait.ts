import pg from 'pg';
import { createRedis } from './redis.js';
import type { Logger } from './logger.js';
import { isStoreUnavailable } from './store-errors.js';

/**
 * At start, waits for PostgreSQL and Redis to answer, for up to `waitMs`: a process started
 * next to its stores (`docker compose up`, a host booting, a pod beside a database still
 * recovering) used to exit at once with a bare `ECONNREFUSED`. Logged once a store first
 * fails to answer and every 10 s after; when the wait runs out, the error names the setting,
 * the host and port (never the password) and the last failure. A store that answers with a
 * refusal of its own (a wrong password, a missing role) is no reason to wait: that error is
 * thrown at once. A database that does not exist yet counts as PostgreSQL answering (the
 * migration creates it).
 */

export interface StoreWaitOptions {
  databaseUrl: string;
  /** Null for a command that needs only PostgreSQL (`migrate`). */
  redisUrl: string | null;
  /** How long to wait for each store in all, ms. */
  waitMs: number;
  logger: Logger;
}

const PROBE_TIMEOUT_MS = 5_000;
const LOG_EVERY_MS = 10_000;

/** Where a store URL points, without its credentials: `host:port`. */
export function storeAddress(url: string, defaultPort: number): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || defaultPort}`;
  } catch {
    return '(unreadable URL)';
  }
}

async function probePostgres(databaseUrl: string): Promise<void> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
  });
  client.on('error', () => undefined); // a reset after the probe is not this probe's business
  try {
    await client.connect();
  } catch (err) {
    if ((err as { code?: string }).code === '3D000') return; // no such database: the server is up
    throw err; // (a client that never connected has nothing to end: its end() never settles)
  }
  try {
    await client.query('select 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function probeRedis(redisUrl: string): Promise<void> {
  const redis = createRedis(redisUrl, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: PROBE_TIMEOUT_MS,
  });
  // The reason a connection failed comes as an `error` event; connect() only says it closed.
  let failure: Error | null = null;
  redis.on('error', (err: Error) => (failure = err));
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw failure ?? err;
  } finally {
    redis.disconnect();
  }
}

/**
 * A Redis error that is the server's refusal of these credentials, not its absence nor a
 * passing state (`ERR max number of clients reached` and `LOADING` are waited out).
 */
const redisRefused = (err: unknown) =>
  /^(NOAUTH|WRONGPASS|NOPERM)/.test(String((err as Error)?.message));

async function waitFor(
  store: { name: string; setting: string; address: string },
  probe: () => Promise<void>,
  gaveUp: (err: unknown) => boolean,
  { waitMs, logger }: StoreWaitOptions,
): Promise<void> {
  const started = Date.now();
  let loggedAt = 0;
  let delay = 250;
  for (;;) {
    try {
      await probe();
      if (loggedAt) logger.info({ store: store.name, address: store.address }, 'store answers');
      return;
    } catch (err) {
      if (gaveUp(err)) {
        throw new StoreWaitError(
          `${store.name} at ${store.address} (${store.setting}) refused: ${(err as Error).message}`,
        );
      }
      const waited = Date.now() - started;
      if (waited + delay > waitMs) {
        throw new StoreWaitError(
          `${store.name} at ${store.address} (${store.setting}) did not answer within ` +
            `${Math.round(waitMs / 1000)} s (STARTUP_WAIT_MS): ${(err as Error).message}`,
        );
      }
      if (Date.now() - loggedAt >= LOG_EVERY_MS) {
        loggedAt = Date.now();
        logger.warn(
          { store: store.name, address: store.address, err: (err as Error).message },
          `waiting for ${store.name}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(2_000, delay * 2);
    }
  }
}

/** The stores did not answer within the wait: the message says which, where and why. */
export class StoreWaitError extends Error {
  override name = 'StoreWaitError';
}

export async function waitForStores(options: StoreWaitOptions): Promise<void> {
  await Promise.all([
    waitFor(
      {
        name: 'PostgreSQL',
        setting: 'DATABASE_URL',
        address: storeAddress(options.databaseUrl, 5432),
      },
      () => probePostgres(options.databaseUrl),
      (err) => !isStoreUnavailable(err) && !/timeout/i.test(String((err as Error)?.message)),
      options,
    ),
    options.redisUrl === null
      ? Promise.resolve()
      : waitFor(
          {
            name: 'Redis',
            setting: 'REDIS_URL',
            address: storeAddress(options.redisUrl, 6379),
          },
          () => probeRedis(options.redisUrl!),
          redisRefused,
          options,
        ),
  ]);
}
