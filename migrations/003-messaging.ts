import type { Knex } from 'knex';

/**
 * SMS: numbers owned by projects; messages with one row per submitted part (its SMSC message
 * id, unique per connector, correlates receipts); receipts that arrived before their part was
 * recorded; opt-outs per (project number, recipient); inbound messages to no known number.
 */
export const name = '003-messaging';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table numbers (
      id text primary key,
      project_id text not null references projects(id) on delete cascade,
      number text not null unique,
      sms_url text,
      voice_flow_id text,
      help_text text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index numbers_project on numbers(project_id, id desc);

    create table messages (
      id text primary key,
      project_id text not null references projects(id) on delete cascade,
      direction text not null check (direction in ('outbound', 'inbound')),
      to_addr text not null,
      from_addr text not null,
      body text not null,
      status text not null,
      encoding text not null,
      segments integer not null,
      num_media integer not null default 0,
      error_code text,
      error_message text,
      connector text,
      status_callback text,
      validity_period integer,
      send_at timestamptz,
      expires_at timestamptz,
      udh_reference integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      sent_at timestamptz,
      delivered_at timestamptz
    );
    create index messages_project on messages(project_id, id desc);
    create index messages_project_status on messages(project_id, status, id desc);
    create index messages_project_to on messages(project_id, to_addr, id desc);
    create index messages_project_from on messages(project_id, from_addr, id desc);

    create table message_parts (
      message_id text not null references messages(id) on delete cascade,
      part integer not null,
      connector_id text not null,
      smsc_id text not null,
      status text not null default 'sent',
      error_code text,
      updated_at timestamptz not null default now(),
      primary key (message_id, part)
    );
    create unique index message_parts_smsc on message_parts(connector_id, smsc_id);

    create table early_receipts (
      connector_id text not null,
      smsc_id text not null,
      receipt jsonb not null,
      received_at timestamptz not null default now(),
      primary key (connector_id, smsc_id)
    );

    create table opt_outs (
      project_id text not null references projects(id) on delete cascade,
      number text not null,
      recipient text not null,
      created_at timestamptz not null default now(),
      primary key (project_id, number, recipient)
    );

    create table unrouted_messages (
      id text primary key,
      connector_id text not null,
      from_addr text not null,
      to_addr text not null,
      body text not null,
      received_at timestamptz not null default now()
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'drop table if exists unrouted_messages, opt_outs, early_receipts, message_parts, messages, numbers cascade',
  );
}
