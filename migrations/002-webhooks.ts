import type { Knex } from 'knex';

/**
 * Webhooks: outbound deliveries with every attempt logged (the dead letter is a delivery left
 * `failed`, never deleted), and the provider side: connectors with their signing secret and IP
 * allow-list, and ingress events stored once per (connector, provider event id).
 */
export const name = '002-webhooks';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table webhook_deliveries (
      id text primary key,
      project_id text not null references projects(id) on delete cascade,
      event_id text not null,
      event_type text not null,
      url text not null,
      body text not null,
      status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
      attempts integer not null default 0,
      max_attempts integer not null,
      next_attempt_at timestamptz,
      last_status_code integer,
      last_error text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (event_id, url)
    );
    create index webhook_deliveries_list on webhook_deliveries(project_id, id desc);

    create table webhook_attempts (
      id text primary key,
      delivery_id text not null references webhook_deliveries(id) on delete cascade,
      project_id text not null,
      number integer not null,
      attempted_at timestamptz not null,
      status_code integer,
      latency_ms integer not null,
      error text,
      response_snippet text
    );
    create index webhook_attempts_delivery on webhook_attempts(delivery_id, number);

    create table connectors (
      id text primary key,
      kind text not null check (kind in ('smpp', 'ari', 'http')),
      name text not null,
      secret text not null,
      allowed_cidrs text[] not null default '{}',
      settings jsonb not null default '{}',
      created_at timestamptz not null default now()
    );

    create table ingress_events (
      connector_id text not null references connectors(id) on delete cascade,
      provider_event_id text not null,
      kind text not null,
      payload jsonb not null,
      received_at timestamptz not null default now(),
      processed_at timestamptz,
      primary key (connector_id, provider_event_id)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'drop table if exists ingress_events, connectors, webhook_attempts, webhook_deliveries cascade',
  );
}
