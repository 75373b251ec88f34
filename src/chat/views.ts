import type { ConversationRow, MemberRow } from './conversations.store.js';
import type { MessageRow, ReactionSummary } from './messages.store.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** A conversation as the API shows it. */
export function conversationView(row: ConversationRow, extra: Record<string, unknown> = {}) {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    attributes: row.attributes,
    created_by: row.created_by,
    last_seq: Number(row.last_seq),
    archived: row.archived_at !== null,
    archived_at: iso(row.archived_at),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    ...extra,
  };
}

/**
 * A member as `viewer` sees it: the read horizon of an identity with private read receipts
 * is shown only to itself and to the operator (`viewer` null).
 */
export function memberView(row: MemberRow, hidden: boolean) {
  return {
    identity: row.identity,
    role: row.role,
    kind: row.kind,
    phone_number: row.phone_number,
    proxy_number: row.proxy_number,
    last_read_seq: hidden ? null : Number(row.last_read_seq),
    last_read_message_id: hidden ? null : row.last_read_message_id,
    joined_at: row.joined_at.toISOString(),
  };
}

/** A message; a deleted one is a tombstone that keeps its place (`seq`) but not its content. */
export function messageView(row: MessageRow, reactions: ReactionSummary[] = []) {
  const deleted = row.deleted_at !== null;
  return {
    id: row.id,
    conversation_id: row.conversation_id,
    seq: Number(row.seq),
    author: row.author,
    body: deleted ? null : row.body,
    attachments: deleted ? [] : row.attachments,
    mentions: deleted ? [] : row.mentions,
    reply_to: row.reply_to,
    forwarded_from: deleted ? null : row.forwarded_from,
    client_id: row.client_id,
    source: row.source,
    reactions: deleted ? [] : reactions,
    pinned: row.pinned_at !== null,
    pinned_at: iso(row.pinned_at),
    pinned_by: row.pinned_by,
    edited_at: iso(row.edited_at),
    deleted: deleted,
    deleted_at: iso(row.deleted_at),
    created_at: row.created_at.toISOString(),
  };
}

/** A timestamptz as `Date.toISOString` writes it (timestamps are kept to the millisecond). */
const isoSql = (column: string) =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * `messageView` of a chat_messages row as SQL (jsonb), for a row `m` without reactions (a new
 * one): what a statement that inserts messages stores as their events. Tests hold the two equal.
 */
export function messageViewSql(m: string): string {
  const live = (value: string, tombstone: string) =>
    `case when ${m}.deleted_at is null then ${value} else ${tombstone} end`;
  return `jsonb_build_object(
      'id', ${m}.id,
      'conversation_id', ${m}.conversation_id,
      'seq', ${m}.seq,
      'author', ${m}.author,
      'body', ${live(`${m}.body`, 'null')},
      'attachments', ${live(`to_jsonb(${m}.attachments)`, "'[]'::jsonb")},
      'mentions', ${live(`to_jsonb(${m}.mentions)`, "'[]'::jsonb")},
      'reply_to', ${m}.reply_to,
      'forwarded_from', ${live(`${m}.forwarded_from`, 'null')},
      'client_id', ${m}.client_id,
      'source', ${m}.source,
      'reactions', '[]'::jsonb,
      'pinned', ${m}.pinned_at is not null,
      'pinned_at', ${isoSql(`${m}.pinned_at`)},
      'pinned_by', ${m}.pinned_by,
      'edited_at', ${isoSql(`${m}.edited_at`)},
      'deleted', ${m}.deleted_at is not null,
      'deleted_at', ${isoSql(`${m}.deleted_at`)},
      'created_at', ${isoSql(`${m}.created_at`)})`;
}
