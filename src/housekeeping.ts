import type { Feature } from './features.js';
import { pruneIdempotencyKeys, type Clock, type Db, type Logger } from './platform/index.js';

/**
 * Worker-side upkeep: what the platform keeps only for a while is deleted by age, at start
 * (a worker restarted more often than hourly never pruned) and every hour:
 * - idempotency records after 48 hours (API.md promises at least 24);
 * - finished outbox rows after a day (internal: a job's bookkeeping once it has run);
 * - provider ingress events after 30 days (their dedupe window: providers retry for hours,
 *   and a replay within the month is still recognised);
 * - succeeded webhook deliveries, with their attempts, after WEBHOOK_LOG_RETENTION_DAYS (30;
 *   0 keeps them), as Stripe and Svix keep a delivery log for a while. A failed delivery is
 *   kept (API.md: "marked failed and kept"), so it can still be retried.
 * Events (the log behind timelines, chat history and realtime resume) are kept. Rows go in
 * batches of 5,000, so no delete holds many locks or a long transaction. Before this,
 * nothing deleted any of the last three: ~20 KB a message, 1.2 GB in a 27-minute soak.
 */

export const RETENTION = {
  outboxMs: 24 * 3600_000,
  ingressMs: 30 * 24 * 3600_000,
} as const;

const BATCH = 5_000;
const EVERY_MS = 3600_000;
const FIRST_AFTER_MS = 10_000;

/** Deletes the rows `select` picks (by ctid, at most BATCH a statement) until none is left. */
async function deleteInBatches(db: Db, table: string, where: string, bindings: Date[]) {
  let deleted = 0;
  for (;;) {
    const result = await db.raw(
      `delete from ${table} where ctid = any(array(
         select ctid from ${table} where ${where} limit ${BATCH}))`,
      bindings,
    );
    deleted += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < BATCH) return deleted;
  }
}

/** One pass of retention at `now`; what it deleted, per kind. */
export async function pruneExpired(db: Db, now: Date, options: { webhookLogDays: number }) {
  const before = (ms: number) => new Date(now.getTime() - ms);
  const pruned = {
    idempotency_keys: await pruneIdempotencyKeys(db, now),
    outbox: await deleteInBatches(db, 'outbox', 'created_at < ? and completed_at is not null', [
      before(RETENTION.outboxMs),
    ]),
    ingress_events: await deleteInBatches(db, 'ingress_events', 'received_at < ?', [
      before(RETENTION.ingressMs),
    ]),
    webhook_deliveries:
      options.webhookLogDays > 0
        ? await deleteInBatches(
            db,
            'webhook_deliveries',
            `created_at < ? and status = 'succeeded'`,
            [before(options.webhookLogDays * 24 * 3600_000)],
          )
        : 0,
  };
  return pruned;
}

export function createHousekeeping(deps: {
  db: Db;
  clock: Clock;
  logger: Logger;
  webhookLogDays: number;
}): Feature {
  let timer: NodeJS.Timeout | null = null;
  let first: NodeJS.Timeout | null = null;
  const prune = () =>
    pruneExpired(deps.db, deps.clock.now(), { webhookLogDays: deps.webhookLogDays }).then(
      (pruned) => {
        if (Object.values(pruned).some((n) => n > 0)) deps.logger.info({ pruned }, 'pruned');
      },
      (err: unknown) => deps.logger.warn({ err }, 'pruning failed'),
    );
  return {
    async start() {
      first = setTimeout(() => void prune(), FIRST_AFTER_MS);
      first.unref();
      timer = setInterval(() => void prune(), EVERY_MS);
      timer.unref();
    },
    async stop() {
      if (first) clearTimeout(first);
      if (timer) clearInterval(timer);
    },
  };
}
