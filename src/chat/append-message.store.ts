import pg from 'pg';
import { appendRowsSql, storedEventOf, type StoredEvent } from '../events/index.js';
import type { Db, Trx } from '../platform/index.js';
import { CHAT_STREAM } from './chat-log.js';
import { lockConversationSql } from './conversations.store.js';
import { MESSAGE_COLUMNS, type MessageRow } from './messages.store.js';
import { messageViewSql } from './views.js';

/** A message to append, with what the locked insert checks and derives for it. */
export interface NewMessage {
  id: string;
  /** The sender's project: another project's conversation is not found. */
  projectId: string;
  /** A user token's identity, which must be a member; null for the operator. */
  memberIdentity: string | null;
  author: string;
  body: string | null;
  attachments: string[];
  /** Identities `@mentioned` in the body; only chat members among them are kept, in order. */
  mentionCandidates: string[];
  replyTo: string | null;
  forwardedFrom: string | null;
  clientId: string | null;
  source: 'chat' | 'sms';
  createdAt: Date;
}

/** A phone participant to copy new messages to. */
export interface SmsMember {
  identity: string;
  phone_number: string;
  proxy_number: string;
}

/**
 * What became of one message. `duplicate`: its author already sent this `client_id` here
 * (the caller reads that first message). Anything refused inserted nothing.
 */
export type AppendResult =
  | { kind: 'created'; row: MessageRow }
  | { kind: 'not_found' }
  | { kind: 'archived' }
  | { kind: 'unknown_reply_to' }
  | { kind: 'duplicate' };

interface ResultRow extends Partial<MessageRow> {
  n: number;
  found: boolean;
  archived: boolean;
  member_ok: boolean;
  reply_ok: boolean;
  duplicate: boolean;
  phones: SmsMember[] | null;
  /** The message's `conversation.message.created` event, as `appendRowsSql` returns it. */
  event: Record<string, unknown> | null;
  refused: null;
}

/** The event type of a new message; its data is `messageView` of the row. */
export const MESSAGE_CREATED = 'conversation.message.created';

/**
 * One statement, run while the conversation's lock is held and so with a snapshot that sees
 * every earlier writer of the conversation: checks each message (conversation and project,
 * archived, membership, reply_to, a client_id its author already used), numbers the accepted
 * ones `last_seq + 1, + 2, …` in the given order, inserts them, moves `last_seq` to the last
 * one (seqs stay gap-free: only inserted rows are numbered), keeps only chat members among
 * the @mention candidates, appends a `conversation.message.created` event per inserted row to
 * the conversation's stream (in seq order, at time `$3`, data `messageView` of the row), and
 * returns the conversation's phone participants. The stream's next version is read with this
 * statement's snapshot, which the lock makes safe: every writer of a conversation's stream
 * holds its lock. Prepared once per connection with the input (`$1`), the conversation id
 * (`$2`) and the events' time (`$3`) as parameters.
 */
const appendSql = (inputSql: string, idSql: string, eventTimeSql: string, aloneSql: string) => `
  with input as (
    select * from jsonb_to_recordset(${inputSql}::jsonb) as r(
      n int, id text, project_id text, member_identity text, author text, body text,
      attachments text[], mention_candidates text[], reply_to text, forwarded_from text,
      client_id text, source text, created_at timestamptz, event_id text)
  ),
  conv as (
    select c.id, c.project_id, c.archived_at, c.last_seq from conversations c where c.id = ${idSql}
  ),
  checked as (
    select r.*,
           conv.id is not null and conv.project_id = r.project_id as found,
           conv.archived_at is not null as archived,
           r.member_identity is null or m.ok as member_ok,
           r.reply_to is null or x.ok as reply_ok,
           coalesce(e.ok, false) as duplicate
      from input r
      left join conv on true
      -- LIMIT 1 keeps each check a per-message index probe, whatever the row estimates.
      left join lateral (
        select true as ok from conversation_members m
         where r.member_identity is not null
           and m.conversation_id = conv.id and m.identity = r.member_identity limit 1
      ) m on true
      left join lateral (
        select true as ok from chat_messages x
         where r.reply_to is not null and x.id = r.reply_to and x.conversation_id = conv.id
           and x.project_id = conv.project_id limit 1
      ) x on true
      left join lateral (
        select true as ok from chat_messages e
         where r.client_id is not null and e.conversation_id = conv.id
           and e.author = r.author and e.client_id = r.client_id limit 1
      ) e on true
  ),
  numbered as (
    select k.*, conv.last_seq + row_number() over (order by k.n) as seq
      from checked k cross join conv
     where k.found and not k.archived and k.member_ok and k.reply_ok and not k.duplicate
  ),
  ins as (
    insert into chat_messages (id, project_id, conversation_id, seq, author, body, attachments,
                               mentions, reply_to, forwarded_from, client_id, source, created_at)
    select u.id, u.project_id, u_conv.id, u.seq, u.author, u.body, coalesce(u.attachments, '{}'),
           array(select t.identity
                   from unnest(u.mention_candidates) with ordinality as t(identity, i)
                  where exists (select 1 from conversation_members m
                                 where m.conversation_id = u_conv.id
                                   and m.identity = t.identity and m.kind = 'chat')
                  order by t.i),
           u.reply_to, u.forwarded_from, u.client_id, u.source, u.created_at
      from numbered u cross join conv u_conv
    returning ${MESSAGE_COLUMNS.join(', ')}
  ),
  bump as (
    update conversations c set last_seq = (select max(seq) from ins)
     where c.id = ${idSql} and exists (select 1 from ins)
  ),
  ev as (
    ${appendRowsSql({
      rows: `(select u.event_id as id, (row_number() over (order by i.seq))::int as n,
                     ${pg.escapeLiteral(MESSAGE_CREATED)} as type, ${messageViewSql('i')} as data,
                     '{}'::jsonb as metadata
                from ins i join numbered u on u.id = i.id) e`,
      projectId: '(select project_id from conv)',
      streamType: pg.escapeLiteral(CHAT_STREAM),
      streamId: idSql,
      createdAt: eventTimeSql,
    })}
  )
  select k.n, coalesce(k.found, false) as found, coalesce(k.archived, false) as archived,
         k.member_ok, k.reply_ok, k.duplicate, to_json(ev) as event,
         (select coalesce(json_agg(json_build_object('identity', m.identity,
                   'phone_number', m.phone_number, 'proxy_number', m.proxy_number)
                   order by m.joined_at, m.identity), '[]'::json)
            from conversation_members m
           where m.conversation_id = ${idSql} and m.kind = 'sms') as phones,
         -- Alone ($4): the caller commits in this round trip, so SMS copies it cannot queue
         -- refuse the whole transaction instead.
         (select trunkline_refuse('conversation_has_sms_members')
           where ${aloneSql} and exists (select 1 from conversation_members m
                                          where m.conversation_id = ${idSql} and m.kind = 'sms'))
           as refused,
         ins.*
    from checked k left join ins on ins.id = k.id left join ev on ev.id = k.event_id
   order by k.n`;

const APPEND_STATEMENT = 'chat_append_messages_v4';
/** Connections on which APPEND_STATEMENT exists (a prepared statement lives as long as its session). */
const prepared = new WeakSet<pg.ClientBase>();

async function prepareAppend(connection: pg.ClientBase): Promise<void> {
  if (prepared.has(connection)) return;
  try {
    await connection.query(
      `prepare ${APPEND_STATEMENT}(jsonb, text, timestamptz, boolean) as ${appendSql('$1', '$2', '$3', '$4')}`,
    );
  } catch (err) {
    // Already there (this call's transaction fails; the writer retries and finds it).
    if ((err as { code?: string }).code === '42P05') prepared.add(connection);
    throw err;
  }
  prepared.add(connection);
}

function resultOf(row: ResultRow): AppendResult {
  if (!row.found || !row.member_ok) return { kind: 'not_found' };
  if (row.archived) return { kind: 'archived' };
  if (row.duplicate) return { kind: 'duplicate' };
  if (!row.reply_ok) return { kind: 'unknown_reply_to' };
  if (!row.id) throw new Error('chat message insert returned no row');
  const {
    n: _n,
    found: _f,
    archived: _a,
    member_ok: _m,
    reply_ok: _r,
    duplicate: _d,
    phones: _p,
    event: _e,
    refused: _x,
    ...message
  } = row;
  return { kind: 'created', row: message as MessageRow };
}

/** SQLSTATE of `trunkline_refuse` (migration 007). */
const REFUSED = 'TL001';

/** What one append made: each message's outcome, the phone members, the created events. */
export interface Appended {
  results: AppendResult[];
  phones: SmsMember[];
  events: StoredEvent[];
}

/** The EXECUTE of the prepared append, its arguments as escaped literals. */
function executeSql(
  conversationId: string,
  messages: NewMessage[],
  events: { ids: string[]; createdAt: Date },
  alone: boolean,
): string {
  const input = messages.map((m, i) => ({
    n: i + 1,
    id: m.id,
    project_id: m.projectId,
    member_identity: m.memberIdentity,
    author: m.author,
    body: m.body,
    attachments: m.attachments,
    mention_candidates: m.mentionCandidates,
    reply_to: m.replyTo,
    forwarded_from: m.forwardedFrom,
    client_id: m.clientId,
    source: m.source,
    created_at: m.createdAt.toISOString(),
    event_id: events.ids[i],
  }));
  const args = [
    pg.escapeLiteral(JSON.stringify(input)),
    pg.escapeLiteral(conversationId),
    pg.escapeLiteral(events.createdAt.toISOString()),
    alone ? 'true' : 'false',
  ];
  return `execute ${APPEND_STATEMENT}(${args.join(', ')})`;
}

function appendedOf(rows: ResultRow[]): Appended {
  return {
    results: rows.map(resultOf),
    phones: rows[0]?.phones ?? [],
    // Rows come in input order, which is the stream's order of the created ones.
    events: rows.flatMap((row) => (row.event ? [storedEventOf(row.event)] : [])),
  };
}

/**
 * Appends messages to one conversation inside `trx`, in the given order: takes the
 * conversation's lock (the advisory lock every writer of the conversation takes first,
 * before its transaction has an id, so the event log's order matches `seq`), then one
 * statement checks, numbers and inserts them all and appends their events (`events.ids[i]`
 * is the id of the event of `messages[i]`, if it is created). The lock is held until the
 * caller commits; the caller schedules what follows the events in between. Two messages of
 * one author with one client_id must not be in the same call (the second would be inserted too).
 *
 * The lock and the append travel in one round trip: both statements go as one simple-protocol
 * query, in which each statement still takes its own snapshot (READ COMMITTED), so the append
 * sees every writer that held the lock before it. Every message of the conversation waits on
 * this lock, so each round trip saved here shortens the wait of all of them. The append is a
 * statement prepared once per connection (planning it costs more than running it); the
 * simple protocol has no parameters, so its arguments are escaped literals
 * (`pg.escapeLiteral`), and the text goes to the transaction's connection directly, since
 * knex would read every `?` of a message body as a placeholder.
 */
export async function appendMessageRows(
  trx: Trx,
  conversationId: string,
  messages: NewMessage[],
  events: { ids: string[]; createdAt: Date },
): Promise<Appended> {
  // Inside a transaction, knex hands out the transaction's own connection.
  const connection = (await trx.client.acquireConnection()) as pg.ClientBase;
  await prepareAppend(connection);
  const answers = (await connection.query(
    `${lockConversationSql(pg.escapeLiteral(conversationId))};\n${executeSql(conversationId, messages, events, false)}`,
  )) as unknown as [unknown, pg.QueryResult<ResultRow>];
  return appendedOf(answers[1].rows);
}

/**
 * The same append as a whole transaction in one round trip, for a batch that needs nothing
 * else in it (no webhook to schedule): BEGIN, the lock, the append and COMMIT go as one
 * simple-protocol query, so the conversation's lock is held only while Postgres runs them,
 * never across a round trip to this process (whose event loop may be busy with sockets).
 * A conversation with phone members needs SMS copies queued in the transaction too: the
 * statement then refuses (TL001), everything is rolled back, and this resolves with null so
 * the caller uses `appendMessageRows` in a transaction of its own.
 */
export async function appendMessagesAlone(
  db: Db,
  conversationId: string,
  messages: NewMessage[],
  events: { ids: string[]; createdAt: Date },
): Promise<Appended | null> {
  const connection = (await db.client.acquireConnection()) as pg.Client;
  try {
    // Outside a transaction a lost race to prepare harms nothing: the statement exists.
    await prepareAppend(connection).catch((err: { code?: string }) => {
      if (err.code !== '42P05') throw err;
    });
    const answers = (await connection.query(
      `begin;\n${lockConversationSql(pg.escapeLiteral(conversationId))};\n` +
        `${executeSql(conversationId, messages, events, true)};\ncommit`,
    )) as unknown as [unknown, unknown, pg.QueryResult<ResultRow>, unknown];
    return appendedOf(answers[2].rows);
  } catch (err) {
    // The transaction is left open and aborted: end it before the connection goes back. A
    // connection that cannot even roll back is closed (knex then drops it from the pool).
    await connection.query('rollback').catch(() => connection.end());
    if ((err as { code?: string }).code === REFUSED) return null;
    throw err;
  } finally {
    await db.client.releaseConnection(connection);
  }
}
