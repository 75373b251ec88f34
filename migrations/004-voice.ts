import type { Knex } from 'knex';

/**
 * Voice: call flows with immutable numbered versions (one active per flow); calls, each with
 * the flow definition it runs (a copy of the version it started with, or its inline flow), the
 * interpreter state and the command it waits on, persisted after every step so another
 * orchestrator can resume or end it; recordings stored in object storage. The call timeline
 * lives in the event store (stream type `call`). Usage sums `calls.duration` by `direction`
 * and `ended_at`.
 */
export const name = '004-voice';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table call_flows (
      id text primary key,
      project_id text not null references projects(id) on delete cascade,
      name text not null,
      active_version integer not null,
      latest_version integer not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index call_flows_project on call_flows(project_id, id desc);

    create table call_flow_versions (
      flow_id text not null references call_flows(id) on delete cascade,
      version integer not null,
      project_id text not null references projects(id) on delete cascade,
      definition jsonb not null,
      created_at timestamptz not null default now(),
      primary key (flow_id, version)
    );

    create table calls (
      id text primary key,
      project_id text not null references projects(id) on delete cascade,
      direction text not null check (direction in ('outbound', 'inbound')),
      to_addr text not null,
      from_addr text not null,
      status text not null,
      flow_id text,
      flow_version integer,
      flow_definition jsonb not null,
      flow_state jsonb,
      flow_command jsonb,
      channel_id text unique,
      timeout integer not null default 30,
      record boolean not null default false,
      status_callback text,
      hangup_cause text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      started_at timestamptz,
      answered_at timestamptz,
      ended_at timestamptz,
      duration integer
    );
    create index calls_project on calls(project_id, id desc);
    create index calls_project_status on calls(project_id, status, id desc);
    create index calls_usage on calls(project_id, ended_at) where duration is not null;
    create index calls_live on calls(status)
      where status in ('queued', 'initiated', 'ringing', 'in-progress');

    create table recordings (
      id text primary key,
      project_id text not null references projects(id) on delete cascade,
      call_id text not null references calls(id) on delete cascade,
      step text,
      status text not null,
      duration integer not null default 0,
      blob_key text not null,
      content_type text not null,
      size integer not null,
      created_at timestamptz not null default now()
    );
    create index recordings_project on recordings(project_id, id desc);
    create index recordings_call on recordings(project_id, call_id, id desc);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists recordings;
    drop table if exists calls;
    drop table if exists call_flow_versions;
    drop table if exists call_flows;
  `);
}
