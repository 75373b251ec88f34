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

/**
 * Messages of the project still on their way (queued, scheduled, sending or sent), counted
 * through the (project, status) index: the wait below polls this ten times a second, and a
 * count over every message of the phase (a scan) took PostgreSQL CPU from the pipeline it
 * measures.
 */
async function openMessages(db: Db, projectId: string): Promise<number> {
  const [{ n }] = await db('messages')
    .where('project_id', projectId)
    .whereIn('status', ['queued', 'scheduled', 'sending', 'sent'])
    .count({ n: '*' });
  return Number(n);
}

/** Webhook deliveries still pending, through the partial index of due deliveries. */
export async function pendingWebhooks(db: Db): Promise<number> {
  const [{ n }] = await db('webhook_deliveries').where('status', 'pending').count({ n: '*' });
  return Number(n);
}

/** How long stranded messages must stay stranded before the wait stops counting on them. */
const STRANDED_GRACE_MS = 2000;
/** How long the open count must stay the same before the wait looks for stranded messages. */
const STALL_MS = 1000;

/**
 * Waits until every message created since `since` is delivered, or until the only ones left
 * are stranded (their receipt was lost) for 2 s. The count comes from the database, not from
 * autocannon: requests still in flight when the load stops are not counted by autocannon, yet
 * their messages exist and go through the pipeline like the others. It polls the cheap count
 * of open messages (the project's messages are all the phase's: each phase waits for the one
 * before) and reads the full figures only once the count stalls.
 */
export async function waitForDelivery(
  db: Db,
  projectId: string,
  since: Date,
  timeoutMs: number,
): Promise<MessageStats> {
  let strandedSince: number | null = null;
  let last = { open: -1, at: Date.now() };
  const done = await waitUntil(
    async () => {
      const open = await openMessages(db, projectId);
      if (open === 0) return true;
      if (open !== last.open) last = { open, at: Date.now() };
      if (Date.now() - last.at < STALL_MS) return false;
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
