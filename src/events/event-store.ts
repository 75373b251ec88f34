import type { Clock, Db, IdGenerator, SqlFragment, Trx } from '../platform/index.js';

/** An event to append; `data` is the customer-visible payload where the event is public. */
export interface NewEvent {
  type: string;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

export interface StoredEvent {
  id: string;
  position: number;
  transactionId: string;
  projectId: string;
  streamType: string;
  streamId: string;
  streamVersion: number;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  createdAt: Date;
}

/**
 * Where a reader stopped: the (transaction id, position) of the last event it saw. Positions
 * are handed out before commit, so paging by position alone can skip an event that commits
 * late; paging by (xid8, position) below the oldest running transaction cannot.
 */
export interface EventCursor {
  transactionId: string;
  position: number;
}

export interface AppendInput {
  projectId: string;
  streamType: string;
  streamId: string;
  events: NewEvent[];
}

interface EventRow {
  id: string;
  position: number;
  tx: string;
  project_id: string;
  stream_type: string;
  stream_id: string;
  stream_version: number;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  created_at: Date;
}

function toEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    position: row.position,
    transactionId: row.tx,
    projectId: row.project_id,
    streamType: row.stream_type,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    createdAt: row.created_at,
  };
}

const COLUMNS = [
  'id',
  'position',
  'transaction_id::text as tx',
  'project_id',
  'stream_type',
  'stream_id',
  'stream_version',
  'type',
  'data',
  'metadata',
  'created_at',
];

/** An event an append will insert, as the caller may use it before the statement runs. */
export interface PlannedEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  createdAt: Date;
}

/**
 * What an events INSERT is made of, each part SQL text (a placeholder, a literal or a caller's
 * expression). `rows` is a FROM item aliased `e` with the columns (id text, n int, type text,
 * data jsonb, metadata jsonb), `n` = 1, 2, … being the order of the rows in the stream.
 */
export interface EventRowsSql {
  rows: string;
  projectId: string;
  streamType: string;
  streamId: string;
  createdAt: string;
  /** Only the rows where this holds (default: all). */
  where?: string;
}

/**
 * The one INSERT of events. One statement: the stream's next versions come from a sub-select
 * evaluated once, with the statement's snapshot.
 */
const insertEventsSql = (input: EventRowsSql) => `insert into events
         (id, project_id, stream_type, stream_id, stream_version, type, data, metadata, created_at)
       select e.id, ${input.projectId}, ${input.streamType}, ${input.streamId},
              (select coalesce(max(stream_version), 0) from events where stream_id = ${input.streamId}) + e.n,
              e.type, e.data, e.metadata, ${input.createdAt}
         from ${input.rows}
        where ${input.where ?? 'true'}
        order by e.n`;

/**
 * The INSERT of an append (bindings: project, stream type, stream id twice, time, recordset),
 * inserting the recordset's rows where `condition` holds.
 */
const insertSql = (condition = 'true') =>
  insertEventsSql({
    rows: 'jsonb_to_recordset(?::jsonb) as e(id text, n int, type text, data jsonb, metadata jsonb)',
    projectId: '?',
    streamType: '?',
    streamId: '?',
    createdAt: '?',
    where: condition,
  });

/**
 * An append of rows the caller's own statement selects, as the body of a data-modifying CTE of
 * that statement (e.g. new rows and their events in one round trip). It returns the stored
 * columns; the caller reads each returned row back with `storedEventOf(to_json(<cte>))`.
 *
 * The stream's next version is read with the statement's snapshot, so the caller must hold the
 * lock that every writer of the stream takes before its snapshot (as the chat conversation lock
 * is); without it, an append that commits meanwhile makes this one fail with a unique violation
 * (`isStreamConflict`).
 */
export function appendRowsSql(input: EventRowsSql): string {
  return `${insertEventsSql(input)}
       returning ${COLUMNS.join(', ')}`;
}

/** A row returned by `appendRowsSql`, as `to_json` renders it (times as ISO text). */
export function storedEventOf(json: Record<string, unknown>): StoredEvent {
  return toEvent({ ...json, created_at: new Date(json.created_at as string) } as EventRow);
}

/** A unique violation of (stream_id, stream_version): another append won the race. */
export function isStreamConflict(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string };
  return e.code === '23505' && e.constraint === 'events_stream_id_stream_version_key';
}

export type EventStore = ReturnType<typeof createEventStore>;

/** The append-only event store. Appends join the caller's transaction; nothing is updated. */
export function createEventStore(deps: { db: Db; ids: IdGenerator; clock: Clock }) {
  const { db, ids, clock } = deps;

  /** The rows an append inserts: ids, order and time are fixed before the statement runs. */
  function planned(input: AppendInput): PlannedEvent[] {
    const createdAt = clock.now();
    return input.events.map((event) => ({
      id: ids('evt'),
      type: event.type,
      data: event.data,
      metadata: event.metadata ?? {},
      createdAt,
    }));
  }

  const recordset = (events: PlannedEvent[]) =>
    JSON.stringify(
      events.map((e, i) => ({
        id: e.id,
        n: i + 1,
        type: e.type,
        data: e.data,
        metadata: e.metadata,
      })),
    );

  /**
   * Appends events to one stream inside `trx`. Versions continue the stream; callers that
   * change an entity hold its row lock, so two writers never race for the same version
   * (if they do, the unique constraint fails the second transaction rather than fork history).
   */
  async function append(trx: Trx, input: AppendInput): Promise<StoredEvent[]> {
    if (input.events.length === 0) return [];
    const events = planned(input);
    const { rows: inserted } = await trx
      .raw<{ rows: EventRow[] }>(
        `${insertSql()}
       returning ${COLUMNS.join(', ')}`,
        [
          input.projectId,
          input.streamType,
          input.streamId,
          input.streamId,
          events[0].createdAt,
          recordset(events),
        ],
      )
      // Prepared once per connection: parsing and planning this CTE costs more than running it.
      .options({ name: 'events_append' });
    return inserted.map(toEvent);
  }

  /**
   * The same append as SQL for a caller's WITH clause, inserting only if the caller's CTE
   * `onlyIf` has a row (e.g. the UPDATE of a status change), so a change, its events and what
   * follows them can be one statement. The events (ids, time) are known before it runs.
   *
   * The stream's next version is read with the statement's snapshot, which is taken before any
   * row lock the statement waits for: an append to the same stream that commits meanwhile makes
   * this one fail with a unique violation (`isStreamConflict`) instead of forking the stream.
   * Callers retry the slow way (a transaction that locks first).
   */
  function appendSql(
    input: AppendInput,
    options: { onlyIf: string },
  ): SqlFragment & { events: PlannedEvent[] } {
    const events = planned(input);
    return {
      sql: `${insertSql(`exists (select 1 from ${options.onlyIf})`)}
       returning id`,
      bindings: [
        input.projectId,
        input.streamType,
        input.streamId,
        input.streamId,
        events[0]?.createdAt ?? clock.now(),
        recordset(events),
      ],
      events,
    };
  }

  /** A stream's events in order, for one project (other projects' streams read as empty). */
  async function readStream(projectId: string, streamId: string): Promise<StoredEvent[]> {
    const rows = await db('events')
      .select(db.raw(COLUMNS.join(', ')))
      .where({ project_id: projectId, stream_id: streamId })
      .orderBy('stream_version');
    return (rows as EventRow[]).map(toEvent);
  }

  /**
   * Events committed after `after`, oldest first, that no still-running transaction can
   * precede: a reader that resumes from the returned cursor never skips an event.
   */
  async function readAll(input: {
    after: EventCursor | null;
    limit: number;
    projectId?: string;
    streamTypes?: string[];
  }): Promise<{ events: StoredEvent[]; cursor: EventCursor | null }> {
    const query = db('events')
      .select(db.raw(COLUMNS.join(', ')))
      .whereRaw('transaction_id < pg_snapshot_xmin(pg_current_snapshot())')
      .orderBy([{ column: 'transaction_id' }, { column: 'position' }])
      .limit(input.limit);
    if (input.after) {
      query.whereRaw('(transaction_id, position) > (?::xid8, ?)', [
        input.after.transactionId,
        input.after.position,
      ]);
    }
    if (input.projectId) query.where({ project_id: input.projectId });
    if (input.streamTypes) query.whereIn('stream_type', input.streamTypes);
    const events = ((await query) as EventRow[]).map(toEvent);
    const last = events.at(-1);
    return {
      events,
      cursor: last ? { transactionId: last.transactionId, position: last.position } : input.after,
    };
  }

  /** The cursor of the newest event no running transaction can precede: start here to miss nothing. */
  async function head(): Promise<EventCursor | null> {
    const row = await db('events')
      .whereRaw('transaction_id < pg_snapshot_xmin(pg_current_snapshot())')
      .orderBy([
        { column: 'transaction_id', order: 'desc' },
        { column: 'position', order: 'desc' },
      ])
      .first(db.raw('transaction_id::text as tx'), 'position');
    return row ? { transactionId: row.tx as string, position: Number(row.position) } : null;
  }

  /** The full cursor of one event from its position alone (positions are unique). */
  async function cursorAt(position: number): Promise<EventCursor | null> {
    const row = await db('events')
      .where({ position })
      .first(db.raw('transaction_id::text as tx'), 'position');
    return row ? { transactionId: row.tx as string, position: Number(row.position) } : null;
  }

  return { append, appendSql, readStream, readAll, head, cursorAt };
}
