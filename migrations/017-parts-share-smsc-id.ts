import type { Knex } from 'knex';

/**
 * The parts of one message may share an SMSC id (some SMSCs answer every part of a long
 * message with the message's one id, and send a receipt per part for it), so a part's SMSC id
 * is no longer unique per connector: it is unique per message. The exclusion constraint keeps
 * two messages from holding one id on one connector (the sender renames the older holder's
 * id, `~reused`, and two workers recording the same id at once still collide, as they did on
 * the unique index); the plain index keeps lookups by id an index scan.
 */
export const name = '017-parts-share-smsc-id';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('create extension if not exists btree_gist');
  await knex.raw('create index message_parts_by_smsc_id on message_parts(smsc_id, connector_id)');
  await knex.raw(
    `alter table message_parts add constraint message_parts_smsc_one_message
       exclude using gist (connector_id with =, smsc_id with =, message_id with <>)`,
  );
  await knex.raw('drop index message_parts_smsc_id');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'create unique index message_parts_smsc_id on message_parts(smsc_id, connector_id)',
  );
  await knex.raw('alter table message_parts drop constraint message_parts_smsc_one_message');
  await knex.raw('drop index message_parts_by_smsc_id');
}
