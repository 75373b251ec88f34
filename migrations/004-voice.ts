import type { Knex } from 'knex';

/** Voice: flows, calls, recordings. */
export const name = '004-voice';

export async function up(_knex: Knex): Promise<void> {}

export async function down(_knex: Knex): Promise<void> {}
