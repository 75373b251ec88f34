import type { Knex } from 'knex';

/**
 * The leg a call's `dial` step rang, and when it answered, kept while the step runs. A leg that
 * ended while no orchestrator was watching (a restart) left nothing on the PBX to find, so
 * the new orchestrator dialled the callee a second time; with the leg on record it gives the
 * step an outcome instead (`completed` if the leg had answered, else `failed`).
 */
export const name = '016-dial-leg';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table calls add column dial_leg jsonb');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table calls drop column dial_leg');
}
