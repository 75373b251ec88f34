import { COLUMNS, toEvent, type EventRow, type StoredEvent } from './event-rows.js';

/** The SQL of appends: for the event store, and for callers appending in their own statement. */

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
export const insertSql = (condition = 'true') =>
  insertEventsSql({
    rows: 'jsonb_to_recordset(?::jsonb) as e(id text, n int, type text, data jsonb, metadata jsonb)',
    projectId: '?',
    streamType: '?',
    streamId: '?',
    createdAt: '?',
    where: condition,
  });

/**
 * The INSERT of events of many streams from one recordset parameter (rows with `stream_id`,
 * `project_id`, `stream_type`, `n` = 1, 2, … within the stream, `created_at`), returning the
 * ids it inserted; with `onlyFor`, only the rows whose stream id the caller's CTE of that name
 * returns (as `id`). Its text never depends on the input, so it is planned once per
 * connection however many streams a batch holds. Versions follow `insertEventsSql`.
 */
export const insertStreamsSql = (onlyFor?: string) => `${insertEventsSql({
  rows: `jsonb_to_recordset(?::jsonb) as e(
           id text, project_id text, stream_type text, stream_id text, n int, type text,
           data jsonb, metadata jsonb, created_at timestamptz)`,
  projectId: 'e.project_id',
  streamType: 'e.stream_type',
  streamId: 'e.stream_id',
  createdAt: 'e.created_at',
  where: onlyFor ? `e.stream_id in (select id from ${onlyFor})` : undefined,
})}
       returning id`;

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
