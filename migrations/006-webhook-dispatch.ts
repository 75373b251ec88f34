import type { Knex } from 'knex';

/**
 * Webhook deliveries are claimed from Postgres in batches by the dispatcher instead of one
 * BullMQ job each: an index over the pending ones by when they are due, and the outbox rows
 * the old delivery jobs left open are closed (the dispatcher finds their deliveries by
 * themselves: every pending delivery is due at its `next_attempt_at`).
 */
export const name = '006-webhook-dispatch';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create index webhook_deliveries_due on webhook_deliveries (next_attempt_at)
      where status = 'pending';
    update outbox set enqueued_at = coalesce(enqueued_at, now()), completed_at = now()
     where queue = 'webhooks' and completed_at is null;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists webhook_deliveries_due');
}
