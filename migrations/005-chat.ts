import type { Knex } from 'knex';

/** Chat: conversations, members, messages, files. */
export const name = '005-chat';

export async function up(_knex: Knex): Promise<void> {}

export async function down(_knex: Knex): Promise<void> {}
