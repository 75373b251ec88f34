import type { Knex } from 'knex';

/**
 * What retention deletes by age (see src/housekeeping.ts): finished outbox rows after a day,
 * provider ingress events after a month, succeeded webhook deliveries (with their attempts)
 * after WEBHOOK_LOG_RETENTION_DAYS. BRIN indexes over the time each is written in: rows
 * arrive in time order, so a block range index finds the old ones for a few pages of index,
 * and costs next to nothing on the hot inserts (a B-tree would add a leaf insertion each).
 */
export const name = '018-retention-indexes';

/** Built CONCURRENTLY, each on its own: writes to these tables go on meanwhile. */
export const config = { transaction: false };

const INDEXES = [
  'outbox_created_brin on outbox using brin (created_at)',
  'ingress_events_received_brin on ingress_events using brin (received_at)',
  'webhook_deliveries_created_brin on webhook_deliveries using brin (created_at)',
];

export async function up(knex: Knex): Promise<void> {
  for (const index of INDEXES) await knex.raw(`create index concurrently if not exists ${index}`);
}

export async function down(knex: Knex): Promise<void> {
  for (const index of INDEXES) {
    await knex.raw(`drop index concurrently if exists ${index.split(' ')[0]}`);
  }
}
