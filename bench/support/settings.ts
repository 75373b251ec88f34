/**
 * Benchmark settings, read from the environment in this one place (by `bench/run.ts`).
 * `BENCH_SECONDS` (default 10) is the length of every timed load phase; warm-ups and drains
 * are bounded separately.
 */
export interface BenchSettings {
  /** Length of each timed load phase, in seconds. */
  seconds: number;
  /** Concurrent connections of the throughput phases (HTTP and queue workers alike). */
  connections: number;
  /** Pino level of the platform under test; `warn` keeps per-request logs out of the figures. */
  logLevel: 'warn';
  /** Server of the bench databases (`DATABASE_URL`; the database name is replaced per run). */
  databaseUrl: string;
  /** Redis for the queues (`REDIS_URL`); the run uses a key prefix of its own. */
  redisUrl: string;
}

/** Reads `BENCH_SECONDS` (1–600); anything else stops the run with a message naming it. */
export function loadBenchSettings(env: Record<string, string | undefined>): BenchSettings {
  const raw = env.BENCH_SECONDS ?? '10';
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600) {
    throw new Error(`BENCH_SECONDS must be a whole number of seconds from 1 to 600, not "${raw}".`);
  }
  return {
    seconds,
    connections: 50,
    logLevel: 'warn',
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/trunkline',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}
