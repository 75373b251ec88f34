import type { Knex } from 'knex';

/**
 * Drops `events_project_stream (project_id, stream_id, stream_version)`. Stream ids are
 * unique across projects (prefixed ids), so a stream's events are found through the unique
 * `(stream_id, stream_version)` index, with the project as a filter on its few rows; the
 * second index was one more entry to write for every event (four or five per SMS) and read
 * by nothing else.
 */
export const name = '010-events-one-stream-index';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists events_project_stream');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'create index events_project_stream on events(project_id, stream_id, stream_version)',
  );
}
