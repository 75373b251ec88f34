import type { Knex } from 'knex';

/**
 * A realtime resume reads one project's chat events after a point of the log (the replay,
 * and the membership events it rewinds through). With only the global (transaction_id,
 * position) index, a resume from an old position scanned every event of every project since
 * then, SMS and calls included, to find a quiet project's few: any end user's token could
 * make the database do that on each reconnect. This index holds chat events only (a partial
 * index: SMS and call events, the hot path, do not pay for it).
 */
export const name = '019-chat-events-index';

/** Built CONCURRENTLY: events are written meanwhile. */
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    `create index concurrently if not exists events_conversation_by_project
       on events (project_id, transaction_id, position) where stream_type = 'conversation'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index concurrently if exists events_conversation_by_project');
}
