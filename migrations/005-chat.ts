import type { Knex } from 'knex';

/**
 * Chat: per-project token signing keys, conversations with their members and read horizons,
 * messages (per-conversation gap-free `seq`, idempotent `client_id`, tombstones, full-text
 * search), reactions, per-identity settings, SMS participant bindings and uploaded files.
 * Every table carries `project_id`; every change is also an event in `events` (stream type
 * `conversation`), written in the same transaction.
 */
export const name = '005-chat';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- One HS256 secret per project signs its user tokens; the row id is the JWT kid.
    create table chat_signing_keys (
      id text primary key,
      project_id text not null unique references projects(id) on delete cascade,
      secret text not null,
      created_at timestamptz not null default now()
    );

    create table conversations (
      id text primary key,
      project_id text not null references projects(id) on delete cascade,
      type text not null check (type in ('direct', 'group')),
      name text,
      attributes jsonb not null default '{}',
      -- "a\\nb" with the two identities sorted: the same pair finds the same direct conversation.
      direct_key text,
      last_seq bigint not null default 0,
      created_by text,
      archived_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index conversations_direct on conversations(project_id, direct_key)
      where direct_key is not null and archived_at is null;
    create index conversations_project on conversations(project_id, id);

    -- A chat member has an identity; an SMS participant's identity is its E.164 number
    -- (chat identities cannot start with "+").
    create table conversation_members (
      conversation_id text not null references conversations(id) on delete cascade,
      identity text not null,
      project_id text not null,
      role text not null check (role in ('admin', 'member')),
      kind text not null default 'chat' check (kind in ('chat', 'sms')),
      phone_number text,
      proxy_number text,
      last_read_seq bigint not null default 0,
      last_read_message_id text,
      joined_at timestamptz not null default now(),
      primary key (conversation_id, identity)
    );
    create index conversation_members_identity on conversation_members(project_id, identity);

    -- One active conversation per (phone, proxy) pair: inbound SMS routing needs exactly one.
    create table chat_sms_bindings (
      project_id text not null,
      phone_number text not null,
      proxy_number text not null,
      conversation_id text not null references conversations(id) on delete cascade,
      primary key (project_id, phone_number, proxy_number)
    );

    -- SMS copies of chat messages already handed to messaging (keeps the send job idempotent).
    create table chat_sms_sends (
      message_id text not null,
      phone_number text not null,
      project_id text not null,
      sms_id text not null,
      created_at timestamptz not null default now(),
      primary key (message_id, phone_number)
    );

    create table chat_messages (
      id text primary key,
      project_id text not null,
      conversation_id text not null references conversations(id) on delete cascade,
      seq bigint not null,
      author text not null,
      body text,
      attachments text[] not null default '{}',
      mentions text[] not null default '{}',
      reply_to text,
      forwarded_from text,
      client_id text,
      source text not null default 'chat',
      pinned_at timestamptz,
      pinned_by text,
      edited_at timestamptz,
      deleted_at timestamptz,
      created_at timestamptz not null default now(),
      search tsvector generated always as (to_tsvector('simple', coalesce(body, ''))) stored,
      unique (conversation_id, seq)
    );
    create unique index chat_messages_client_id on chat_messages(conversation_id, author, client_id)
      where client_id is not null;
    create index chat_messages_search on chat_messages using gin(search);
    create index chat_messages_attachments on chat_messages using gin(attachments);
    create index chat_messages_mentions on chat_messages using gin(mentions);

    create table chat_reactions (
      message_id text not null references chat_messages(id) on delete cascade,
      identity text not null,
      emoji text not null,
      project_id text not null,
      conversation_id text not null,
      created_at timestamptz not null default now(),
      primary key (message_id, identity, emoji)
    );

    create table chat_identity_settings (
      project_id text not null references projects(id) on delete cascade,
      identity text not null,
      read_receipts_private boolean not null default false,
      updated_at timestamptz not null default now(),
      primary key (project_id, identity)
    );

    create table chat_files (
      id text primary key,
      project_id text not null references projects(id) on delete cascade,
      uploaded_by text,
      filename text not null,
      content_type text not null,
      size bigint not null,
      status text not null check (status in ('pending', 'ready', 'rejected')),
      storage_key text not null,
      thumbnail_key text,
      rejection text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists chat_sms_sends, chat_files, chat_identity_settings, chat_reactions, chat_messages,
      chat_sms_bindings, conversation_members, conversations, chat_signing_keys cascade;
  `);
}
