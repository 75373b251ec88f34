import type { Knex } from 'knex';

/**
 * A stored Idempotency-Key answer keeps the text that was sent. In `jsonb` PostgreSQL reorders
 * an object's keys, so a replay was the same JSON but not the same bytes, and API.md promises
 * the original body. `json` keeps the text as it was given.
 */
export const name = '015-idempotent-answer-text';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    'alter table idempotency_keys alter column response_body type json using response_body::json',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'alter table idempotency_keys alter column response_body type jsonb using response_body::jsonb',
  );
}
