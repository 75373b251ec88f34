import type { Knex } from 'knex';

/**
 * What retention deletes by age (see src/housekeeping.ts): finished outbox rows after a day,
 * provider ingress events after a week, finished webhook deliveries (with their attempts)
 * after WEBHOOK_LOG_RETENTION_DAYS. BRIN indexes over the time each is written in: rows
 * arrive in time order, so a block range index finds the old ones for a few pages of index,
 * and costs next to nothing on the hot inserts (a B-tree would add a leaf insertion each).
 */
export const name = '018-retention-indexes';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create index outbox_created_brin on outbox using brin (created_at);
    create index ingress_events_received_brin on ingress_events using brin (received_at);
    create index webhook_deliveries_created_brin on webhook_deliveries using brin (created_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index if exists outbox_created_brin;
    drop index if exists ingress_events_received_brin;
    drop index if exists webhook_deliveries_created_brin;
  `);
}
