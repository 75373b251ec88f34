import type { Knex } from 'knex';

/**
 * Idempotency keys get a scope within their project: '' for API keys (API.md: keys are
 * scoped to the project) and `identity:<identity>` for end users' chat tokens, so one user
 * repeating another's key neither replays that user's answer nor blocks their request.
 */
export const name = '011-idempotency-scope';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table idempotency_keys add column scope text not null default '';
    alter table idempotency_keys drop constraint idempotency_keys_pkey;
    alter table idempotency_keys add primary key (project_id, scope, key);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    delete from idempotency_keys where scope <> '';
    alter table idempotency_keys drop constraint idempotency_keys_pkey;
    alter table idempotency_keys add primary key (project_id, key);
    alter table idempotency_keys drop column scope;
  `);
}
