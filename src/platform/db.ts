import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { migrations } from '../../migrations/index.js';

export type Db = Knex;
export type Trx = Knex.Transaction;

// Return int8 (bigint) columns such as event positions as JS numbers: they stay far below 2^53.
pg.types.setTypeParser(20, (value: string) => Number(value));

/**
 * TCP keepalive on every connection to PostgreSQL, first probe after 10 s of silence. A
 * server that vanished without a word (a host crash, a failover that moved its address)
 * left a query waiting for ever, and with it every write queued behind it; the first probe
 * meets the new host's reset and fails the query instead. (A host that stays silent is
 * given up after the kernel's probes: `net.ipv4.tcp_keepalive_intvl` × `_probes`.)
 */
export const PG_KEEPALIVE = { keepAlive: true, keepAliveInitialDelayMillis: 10_000 } as const;

export function createDb(databaseUrl: string, poolMax = 10): Db {
  return knexFactory({
    client: 'pg',
    connection: { connectionString: databaseUrl, ...PG_KEEPALIVE },
    pool: { min: 0, max: poolMax },
  });
}

/**
 * Runs `fn` once `trx`'s work is committed: when its outermost transaction commits (a nested
 * transaction's savepoint release is not a commit), never if that transaction rolls back.
 */
export function afterCommit(trx: Trx, fn: () => void): void {
  let outer = trx;
  while (outer.parentTransaction) outer = outer.parentTransaction;
  outer.executionPromise.then(fn, () => undefined);
}

/** Creates the database named in the URL when it does not exist (connecting to `postgres`). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z0-9_-]+$/.test(name))
    throw new Error(`DATABASE_URL has an unusual database name: ${name}`);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`create database "${name}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created concurrently by another process
      });
    }
  } finally {
    await client.end();
  }
}

/** Drops a database (test harness only). */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}

const migrationSource: Knex.MigrationSource<(typeof migrations)[number]> = {
  getMigrations: async () => migrations,
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};

/** Runs every pending migration. Safe to call from several processes at once (knex locks). */
export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}
