import type { Knex } from 'knex';

/**
 * Outbound messages are claimed from Postgres by the send dispatcher instead of one BullMQ
 * job each: `next_attempt_at` is when a message is next due to be sent (its `send_at`, a
 * retry's time, or a claim's lease; null once it needs no more sending) and `send_attempts`
 * counts the tries that ended in a transient failure (for the back-off). Messages still
 * waiting to be sent become due now (scheduled ones at their `send_at`), and the outbox rows
 * of the old send jobs are closed. Stop the old API and worker processes before migrating: a
 * message an old worker is sending would be claimed again, and a message an old API saves
 * would get a send job instead of a due time.
 */
export const name = '009-sms-dispatch';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table messages
      add column next_attempt_at timestamptz,
      add column send_attempts integer not null default 0;
    update messages set next_attempt_at = coalesce(send_at, now())
     where direction = 'outbound' and status in ('queued', 'scheduled', 'sending');
    create index messages_due on messages (next_attempt_at) where next_attempt_at is not null;
    update outbox set enqueued_at = coalesce(enqueued_at, now()), completed_at = now()
     where queue = 'sms' and completed_at is null;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index if exists messages_due;
    alter table messages drop column if exists next_attempt_at, drop column if exists send_attempts;
  `);
}
