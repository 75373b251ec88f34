import type { Knex } from 'knex';
import type { Clock, Db, IdGenerator, SqlFragment, Trx } from '../platform/index.js';

import { insertSql, insertStreamsSql, type PlannedEvent } from './append-sql.js';
import {
  COLUMNS,
  toEvent,
  type AppendInput,
  type EventCursor,
  type EventRow,
  type StoredEvent,
} from './event-rows.js';

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

  /**
   * Appends to many streams as one CTE body for a caller's statement (`insertStreamsSql`),
   * returning the inserted ids; with `onlyFor`, only to the streams whose id the caller's CTE
   * of that name returns. The events (ids, time) are known before it runs, per input. The same
   * snapshot rule as `appendSql` applies to each stream.
   */
  function appendStreamsSql(
    inputs: readonly AppendInput[],
    options: { onlyFor?: string } = {},
  ): SqlFragment & { events: PlannedEvent[][] } {
    const events = inputs.map(planned);
    // `n` counts on across inputs of the same stream, so two inputs of one stream never
    // claim the same version.
    const counts = new Map<string, number>();
    const next = (streamId: string) => {
      const n = (counts.get(streamId) ?? 0) + 1;
      counts.set(streamId, n);
      return n;
    };
    const rows = inputs.flatMap((input, i) =>
      events[i].map((e) => ({
        id: e.id,
        project_id: input.projectId,
        stream_type: input.streamType,
        stream_id: input.streamId,
        n: next(input.streamId),
        type: e.type,
        data: e.data,
        metadata: e.metadata,
        created_at: e.createdAt,
      })),
    );
    return {
      sql: insertStreamsSql(options.onlyFor),
      bindings: [JSON.stringify(rows)],
      events,
    };
  }

  /**
   * A stream's events in order, for one project (other projects' streams read as empty); with
   * `page`, at most `limit` of them after stream version `after`.
   */
  async function readStream(
    projectId: string,
    streamId: string,
    page?: { after: number; limit: number },
  ): Promise<StoredEvent[]> {
    const query = db('events')
      .select(db.raw(COLUMNS.join(', ')))
      .where({ project_id: projectId, stream_id: streamId })
      .orderBy('stream_version');
    if (page) query.where('stream_version', '>', page.after).limit(page.limit);
    return ((await query) as EventRow[]).map(toEvent);
  }

  /**
   * Events committed after `after`, oldest first, that no still-running transaction can
   * precede: a reader that resumes from the returned cursor never skips an event. A page
   * shorter than `limit` has read every matching event up to the log's head as of the same
   * snapshot, so its cursor moves to that head even past events the filters left out: a reader
   * of a rare stream type does not scan the same other events again on its next read.
   */
  async function readAll(input: {
    after: EventCursor | null;
    limit: number;
    projectId?: string;
    streamTypes?: string[];
  }): Promise<{ events: StoredEvent[]; cursor: EventCursor | null }> {
    const conditions = ['transaction_id < s.xmin'];
    const bindings: Knex.Value[] = [];
    if (input.after) {
      conditions.push('(transaction_id, position) > (?::xid8, ?)');
      bindings.push(input.after.transactionId, input.after.position);
    }
    const head = [...conditions];
    const headBindings = [...bindings];
    if (input.projectId) {
      conditions.push('project_id = ?');
      bindings.push(input.projectId);
    }
    if (input.streamTypes) {
      conditions.push('stream_type = any(?::text[])');
      bindings.push(input.streamTypes);
    }
    // The page, then (as a row of its own, `is_head`) the newest event of the same snapshot.
    const { rows } = await db.raw<{ rows: Array<EventRow & { is_head: boolean }> }>(
      `with s as (select pg_snapshot_xmin(pg_current_snapshot()) as xmin)
       (select false as is_head, ${COLUMNS.join(', ')} from events, s
         where ${conditions.join(' and ')}
         order by transaction_id, position limit ?)
       union all
       (select true, null, position, transaction_id::text, null, null, null, null, null, null,
               null, null
          from events, s
         where ${head.join(' and ')}
         order by transaction_id desc, position desc limit 1)`,
      [...bindings, input.limit, ...headBindings],
    );
    const events = rows.filter((row) => !row.is_head).map(toEvent);
    const newest = rows.find((row) => row.is_head);
    const last = events.at(-1);
    const cursor =
      events.length < input.limit && newest
        ? { transactionId: newest.tx, position: Number(newest.position) }
        : last
          ? { transactionId: last.transactionId, position: last.position }
          : input.after;
    return { events, cursor };
  }

  /**
   * Committed events of `types` in one project's streams of `streamTypes` after `after`, oldest
   * first, at most `limit`. Unlike `readAll`, these include events an older running transaction
   * still precedes: for a reader that must know everything committed so far (to rewind current
   * rows to an earlier point of the log), not for one that follows the log by its cursor.
   */
  async function readCommitted(input: {
    after: EventCursor | null;
    limit: number;
    projectId: string;
    streamTypes: string[];
    types: string[];
  }): Promise<StoredEvent[]> {
    const query = db('events')
      .select(db.raw(COLUMNS.join(', ')))
      .where({ project_id: input.projectId })
      .whereIn('stream_type', input.streamTypes)
      .whereIn('type', input.types)
      .orderBy([{ column: 'transaction_id' }, { column: 'position' }])
      .limit(input.limit);
    if (input.after) {
      query.whereRaw('(transaction_id, position) > (?::xid8, ?)', [
        input.after.transactionId,
        input.after.position,
      ]);
    }
    return ((await query) as EventRow[]).map(toEvent);
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

  return {
    append,
    appendSql,
    appendStreamsSql,
    readStream,
    readAll,
    readCommitted,
    head,
    cursorAt,
  };
}
