import type { Knex } from 'knex';

/**
 * The unique index of a part's SMSC id leads with the id instead of the connector, so a
 * receipt's lookup by id alone (every spelling of it, any connector: ingress receipts name no
 * connector) is an index scan; (connector, id) lookups use it as well. Before this, such a
 * lookup read the whole table.
 */
export const name = '008-parts-by-smsc-id';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    'create unique index message_parts_smsc_id on message_parts(smsc_id, connector_id)',
  );
  await knex.raw('drop index message_parts_smsc');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('create unique index message_parts_smsc on message_parts(connector_id, smsc_id)');
  await knex.raw('drop index message_parts_smsc_id');
}
