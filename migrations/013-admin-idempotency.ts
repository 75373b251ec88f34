import type { Knex } from 'knex';

/**
 * Operator requests (`/admin/v1`, no project) honour Idempotency-Key too: their keys are kept
 * under project_id '' and scope 'admin', which the foreign key to projects refused. Nothing
 * deletes projects, and records are pruned after 48 hours, so the key's cascade had no work.
 */
export const name = '013-admin-idempotency';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    'alter table idempotency_keys drop constraint if exists idempotency_keys_project_id_fkey',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    delete from idempotency_keys where project_id = '';
    alter table idempotency_keys add constraint idempotency_keys_project_id_fkey
      foreign key (project_id) references projects(id) on delete cascade;
  `);
}
