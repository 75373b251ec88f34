import type { Knex } from 'knex';

/**
 * The parts of concatenated inbound SMS, kept until their message is whole. They were held in
 * the worker's memory only, and each part was acknowledged to the SMSC (deliver_sm_resp) when
 * it arrived: a worker restart between two parts lost the first for good. A part is now
 * stored before it is acknowledged, and deleted in the transaction that stores its message.
 * `group_key` names the message (connector, sender, recipient, reference and total).
 */
export const name = '014-inbound-parts';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table inbound_parts (
      group_key text not null,
      sequence integer not null,
      sender_key text not null,
      reference integer not null,
      total integer not null,
      data_coding integer not null,
      payload bytea not null,
      received_at timestamptz not null,
      primary key (group_key, sequence)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists inbound_parts');
}
