import type { Knex } from 'knex';

/**
 * `trunkline_refuse(reason)`: raises SQLSTATE TL001 with `reason` as its message. A statement
 * sent with its transaction's BEGIN and COMMIT in one round trip calls it to abort the whole
 * transaction when it finds work it cannot do alone (see `appendMessagesAlone` in chat).
 */
export const name = '007-refuse';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function trunkline_refuse(reason text) returns boolean
      language plpgsql as $$
    begin
      raise exception using errcode = 'TL001', message = reason;
    end
    $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function if exists trunkline_refuse(text)');
}
