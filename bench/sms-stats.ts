import type { Db } from '../src/platform/index.js';
import { progress, waitUntil } from './support/stats.js';

/**
 * What the `sms` suite reads back from Trunkline's tables (through the benchmark's own pool):
 * message counts and times, webhook progress, and messages whose receipt was lost.
 */

export interface MessageStats {
  created: number;
  delivered: number;
  /**
   * Messages left `sent` although their DLR arrived: the receipt sits in `early_receipts`
   * next to a recorded part and nothing will apply it (see bench/RESULTS.md, "lost DLRs").
   */
  stranded: number;
  first: Date | null;
  last: Date | null;
}

export async function messageStats(db: Db, since: Date): Promise<MessageStats> {
  const row = (await db('messages')
    .where('created_at', '>=', since)
    .select(
      db.raw('count(*)::int as created'),
      db.raw("count(*) filter (where status = 'delivered')::int as delivered"),
      db.raw('min(delivered_at) as first'),
      db.raw('max(delivered_at) as last'),
    )
    .first()) as Omit<MessageStats, 'stranded'>;
  const [{ n }] = await db('messages as m')
    .join('message_parts as p', 'p.message_id', 'm.id')
    .join('early_receipts as e', function joinReceipt() {
      this.on('e.connector_id', 'p.connector_id').andOn('e.smsc_id', 'p.smsc_id');
    })
    .where('m.created_at', '>=', since)
    .where('m.status', 'sent')
    .countDistinct({ n: 'm.id' });
  return { ...row, stranded: Number(n) };
}

export async function webhookStats(db: Db, since: Date) {
  return (await db('webhook_deliveries')
    .where('created_at', '>=', since)
    .select(
      db.raw('count(*)::int as total'),
      db.raw("count(*) filter (where status = 'pending')::int as pending"),
      db.raw("count(*) filter (where status = 'succeeded')::int as succeeded"),
      db.raw('max(updated_at) as last'),
    )
    .first()) as { total: number; pending: number; succeeded: number; last: Date | null };
}

/** Accepted → delivered, in ms, of every delivered message created since `since`. */
export async function e2eLatencies(db: Db, since: Date): Promise<number[]> {
  const rows = (await db('messages')
    .where('created_at', '>=', since)
    .whereNotNull('delivered_at')
    .select(db.raw('extract(epoch from (delivered_at - created_at)) * 1000 as ms'))) as Array<{
    ms: string | number;
  }>;
  return rows.map((r) => Number(r.ms));
}

/** How long stranded messages must stay stranded before the wait stops counting on them. */
const STRANDED_GRACE_MS = 2000;

/**
 * Waits until every message created since `since` is delivered, or until the only ones left
 * are stranded (their receipt was lost) for 2 s. The count comes from the database, not from
 * autocannon: requests still in flight when the load stops are not counted by autocannon, yet
 * their messages exist and go through the pipeline like the others.
 */
export async function waitForDelivery(
  db: Db,
  since: Date,
  timeoutMs: number,
): Promise<MessageStats> {
  let strandedSince: number | null = null;
  const done = await waitUntil(
    async () => {
      const stats = await messageStats(db, since);
      if (stats.delivered >= stats.created) return true;
      if (stats.delivered + stats.stranded < stats.created) strandedSince = null;
      else strandedSince ??= Date.now();
      return strandedSince !== null && Date.now() - strandedSince >= STRANDED_GRACE_MS;
    },
    timeoutMs,
    100,
  );
  const stats = await messageStats(db, since);
  if (!done) {
    progress(
      `sms: ${stats.created - stats.delivered} of ${stats.created} messages not delivered after ${timeoutMs / 1000} s`,
    );
  }
  return stats;
}
