import type { Knex } from 'knex';

/** SMS: numbers, messages and their parts, receipts waiting for their message, opt-outs. */
export const name = '003-messaging';

export async function up(_knex: Knex): Promise<void> {}

export async function down(_knex: Knex): Promise<void> {}
