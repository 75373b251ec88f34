import {
  listenFor,
  withTimeout,
  type Clock,
  type Db,
  type Listener,
  type Logger,
  type QueueRegistry,
} from '../platform/index.js';

import { OUTBOX_CHANNEL, type OutboxJobOptions } from './outbox.js';

interface OutboxRow {
  id: string;
  queue: string;
  name: string;
  payload: Record<string, unknown>;
  options: OutboxJobOptions;
  available_at: Date;
}

export interface RelayOptions {
  db: Db;
  databaseUrl: string;
  queues: QueueRegistry;
  logger: Logger;
  clock: Clock;
  /** Period of the safety sweep (ms). */
  sweepMs: number;
  /** An enqueued, unfinished row is checked against Redis at most this often (ms). */
  recheckMs?: number;
  batchSize?: number;
  /** How long a batch waits on Redis before its transaction gives up (ms; 5,000). */
  enqueueTimeoutMs?: number;
}

export interface OutboxRelay {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Moves every pending row now; resolves when none is left (tests, benchmarks). */
  drain(): Promise<number>;
  /** Re-enqueues open rows whose job Redis no longer has (after a wipe). */
  sweep(): Promise<number>;
}

/**
 * Moves outbox rows to BullMQ. Woken by LISTEN/NOTIFY for latency, backed by a periodic sweep
 * for safety. A row is marked enqueued only after BullMQ accepted the job (job id = row id),
 * and stays open until its job finishes, so a Redis wipe is repaired by re-enqueueing open rows
 * whose job is gone. Several relays can run: rows are claimed with SKIP LOCKED.
 */
export function createOutboxRelay(options: RelayOptions): OutboxRelay {
  const { db, queues, logger, clock } = options;
  const batchSize = options.batchSize ?? 500;
  const recheckMs = options.recheckMs ?? 10_000;
  let listener: Listener | null = null;
  let timer: NodeJS.Timeout | null = null;
  let draining: Promise<number> | null = null;
  let again = false;
  let stopped = false;

  function jobOptions(row: OutboxRow) {
    return {
      jobId: row.id,
      delay: Math.max(0, row.available_at.getTime() - clock.now().getTime()),
      attempts: row.options.attempts ?? 5,
      backoff: row.options.backoff ?? { type: 'exponential' as const, delay: 1000 },
    };
  }

  async function enqueue(rows: OutboxRow[]): Promise<void> {
    const byQueue = new Map<string, OutboxRow[]>();
    for (const row of rows) byQueue.set(row.queue, [...(byQueue.get(row.queue) ?? []), row]);
    await Promise.all(
      [...byQueue].map(([queue, list]) =>
        queues
          .get(queue)
          .addBulk(
            list.map((row) => ({ name: row.name, data: row.payload, opts: jobOptions(row) })),
          ),
      ),
    );
  }

  async function moveBatch(): Promise<number> {
    return db.transaction(async (trx) => {
      const rows: OutboxRow[] = await trx('outbox')
        .select('id', 'queue', 'name', 'payload', 'options', 'available_at')
        .whereNull('enqueued_at')
        .orderBy('id')
        .limit(batchSize)
        .forUpdate()
        .skipLocked();
      if (rows.length === 0) return 0;
      // Given up after a while: while Redis is down BullMQ's commands wait for it, and this
      // transaction (its rows locked) stayed open for the whole outage, which held back every
      // reader of the event store (they read below the oldest open transaction).
      const ms = options.enqueueTimeoutMs ?? 5_000;
      await withTimeout(enqueue(rows), ms, () => new Error(`enqueueing took over ${ms} ms`));
      // `= any(array)`: one statement text (planned once) whatever the batch's size.
      await trx('outbox')
        .whereRaw('id = any(?::text[])', [rows.map((r) => r.id)])
        .update({ enqueued_at: clock.now(), checked_at: clock.now() });
      return rows.length;
    });
  }

  async function drainLoop(): Promise<number> {
    let total = 0;
    do {
      again = false;
      let moved: number;
      do {
        moved = await moveBatch();
        total += moved;
      } while (moved === batchSize && !stopped);
    } while (again && !stopped);
    return total;
  }

  function drain(): Promise<number> {
    if (draining) {
      again = true;
      return draining;
    }
    draining = drainLoop().finally(() => {
      draining = null;
    });
    return draining;
  }

  /** Checks open rows last checked before `cutoff`; one batch. */
  async function sweepBatch(cutoff: Date): Promise<{ checked: number; missing: number }> {
    const rows: OutboxRow[] = await db('outbox')
      .select('id', 'queue', 'name', 'payload', 'options', 'available_at')
      .whereNotNull('enqueued_at')
      .whereNull('completed_at')
      .where((q) => q.whereNull('checked_at').orWhere('checked_at', '<', cutoff))
      .orderByRaw('checked_at nulls first')
      .limit(batchSize);
    if (rows.length === 0) return { checked: 0, missing: 0 };
    const jobs = await Promise.all(rows.map((row) => queues.get(row.queue).getJob(row.id)));
    const missing = rows.filter((_, i) => !jobs[i]);
    if (missing.length > 0) {
      logger.warn({ count: missing.length }, 'outbox jobs missing from Redis; re-enqueueing');
      await enqueue(missing);
    }
    await db('outbox')
      .whereRaw('id = any(?::text[])', [rows.map((r) => r.id)])
      .update({ checked_at: clock.now() });
    return { checked: rows.length, missing: missing.length };
  }

  async function sweep(): Promise<number> {
    return (await sweepBatch(new Date(clock.now().getTime() - recheckMs))).missing;
  }

  /** At start every open row is checked once: a restart after a crash and a wipe heals at once. */
  async function sweepAll(): Promise<void> {
    const startedAt = clock.now();
    let result;
    do result = await sweepBatch(startedAt);
    while (result.checked === batchSize && !stopped);
  }

  function kick(): void {
    drain().catch((err) => logger.error({ err }, 'outbox drain failed'));
  }

  async function tick(): Promise<void> {
    try {
      await drain();
      await sweep();
    } catch (err) {
      logger.error({ err }, 'outbox sweep failed');
    }
  }

  return {
    async start() {
      stopped = false;
      listener = await listenFor({
        databaseUrl: options.databaseUrl,
        channel: OUTBOX_CHANNEL,
        logger,
        onNotify: kick,
      });
      timer = setInterval(() => void tick(), options.sweepMs);
      timer.unref();
      void drain()
        .then(sweepAll)
        .catch((err) => logger.error({ err }, 'outbox start-up sweep failed'));
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      await draining?.catch(() => undefined);
      await listener?.stop();
      listener = null;
    },
    drain,
    sweep,
  };
}
