import type { Knex } from 'knex';

/**
 * Foundation: projects and their API keys and webhook secrets, the append-only event store,
 * the transactional outbox and stored idempotent responses. Every table holding project data
 * carries `project_id` so stores can filter by tenant.
 */
export const name = '001-foundation';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table projects (
      id text primary key,
      name text not null,
      webhook_url text,
      rate_limit_per_second integer,
      is_dev boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );

    -- Keys are shown once; we keep only a lookup prefix and the SHA-256 of the whole key.
    create table api_keys (
      id text primary key,
      project_id text not null references projects(id) on delete cascade,
      prefix text not null unique,
      hash text not null,
      created_at timestamptz not null default now(),
      revoked_at timestamptz
    );
    create index api_keys_project on api_keys(project_id);

    -- Webhook signing secrets: the newest signs; a rotated one keeps signing until expires_at.
    create table webhook_secrets (
      id text primary key,
      project_id text not null references projects(id) on delete cascade,
      secret text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz
    );
    create index webhook_secrets_project on webhook_secrets(project_id, created_at desc);

    -- The event store. position is handed out before commit, so readers page by
    -- (transaction_id, position) below the oldest running transaction (see src/events/).
    create table events (
      position bigserial primary key,
      transaction_id xid8 not null default pg_current_xact_id(),
      id text not null unique,
      project_id text not null,
      stream_type text not null,
      stream_id text not null,
      stream_version integer not null,
      type text not null,
      data jsonb not null,
      metadata jsonb not null default '{}',
      created_at timestamptz not null default now(),
      unique (stream_id, stream_version)
    );
    create index events_tx_position on events(transaction_id, position);
    create index events_project_stream on events(project_id, stream_id, stream_version);

    -- Work that must follow a committed change. Postgres is the truth: a row stays open
    -- until its job finishes, so a wiped Redis is refilled by the relay's sweep.
    create table outbox (
      id text primary key,
      project_id text,
      queue text not null,
      name text not null,
      payload jsonb not null,
      options jsonb not null default '{}',
      available_at timestamptz not null default now(),
      created_at timestamptz not null default now(),
      enqueued_at timestamptz,
      checked_at timestamptz,
      completed_at timestamptz,
      outcome text
    );
    create index outbox_pending on outbox(id) where enqueued_at is null;
    create index outbox_open on outbox(checked_at nulls first) where enqueued_at is not null and completed_at is null;

    create table idempotency_keys (
      project_id text not null references projects(id) on delete cascade,
      key text not null,
      request_hash text not null,
      status_code integer,
      response_body jsonb,
      created_at timestamptz not null default now(),
      completed_at timestamptz,
      primary key (project_id, key)
    );
    create index idempotency_keys_created on idempotency_keys(created_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists idempotency_keys, outbox, events, webhook_secrets, api_keys, projects cascade;
  `);
}
