import type { Knex } from 'knex';

/**
 * The parts of one message may share an SMSC id (some SMSCs answer every part of a long
 * message with the message's one id, and send a receipt per part for it), so a part's SMSC id
 * is no longer unique per connector; a plain index keeps lookups by id an index scan. That
 * two messages never hold one id is the sender's doing: recording a part renames the parts
 * of other messages holding its id (`~reused`), in the same statement. Two workers recording
 * one id for two messages in the same instant could both keep it; an exclusion constraint
 * (btree_gist) would refuse that, but it cost about a tenth more of PostgreSQL's work per
 * message in the `sms` benchmark, for an SMSC handing one id to two messages at once.
 */
export const name = '017-parts-share-smsc-id';

/** Built and dropped CONCURRENTLY: sends and receipts go on meanwhile (see `config`). */
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    'create index concurrently if not exists message_parts_by_smsc_id on message_parts(smsc_id, connector_id)',
  );
  await knex.raw('drop index concurrently if exists message_parts_smsc_id');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'create unique index message_parts_smsc_id on message_parts(smsc_id, connector_id)',
  );
  await knex.raw('drop index message_parts_by_smsc_id');
}
