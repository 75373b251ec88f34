import {
  type Clock,
  type Db,
  type IdGenerator,
  type SqlFragment,
  type Trx,
} from '../platform/index.js';

/** The notification channel the relay listens on; sent on commit only. */
export const OUTBOX_CHANNEL = 'trunkline_outbox';

/** BullMQ options carried by an outbox row to its job. */
export interface OutboxJobOptions {
  attempts?: number;
  /** `custom` asks the queue's own backoff strategy; `exponential` uses `delay` as the base. */
  backoff?: { type: 'custom' | 'exponential' | 'fixed'; delay?: number };
}

export interface OutboxEntry {
  projectId: string | null;
  /** Queue name, e.g. `chat-sms`, `ingress`. */
  queue: string;
  /** Job name, dot-namespaced: `chat.sms.send`, `ingress.dlr`. */
  name: string;
  payload: Record<string, unknown>;
  options?: OutboxJobOptions;
  /** Run no earlier than this (scheduled sends, parked deliveries). */
  runAt?: Date;
}

export type Outbox = ReturnType<typeof createOutbox>;

/**
 * Writes work to do in the caller's transaction. The row id becomes the BullMQ job id, so
 * an entry is enqueued at most once at a time however often the relay retries.
 */
export function createOutbox(deps: { ids: IdGenerator; clock: Clock }) {
  async function add(trx: Trx, entry: OutboxEntry): Promise<string> {
    const id = deps.ids('obx');
    const now = deps.clock.now();
    // The row and its notification in one statement (the notification is sent on commit).
    await trx.raw(
      `with added as (
         insert into outbox (id, project_id, queue, name, payload, options, available_at, created_at)
         values (?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?)
       )
       select pg_notify(?, ?)`,
      [
        id,
        entry.projectId,
        entry.queue,
        entry.name,
        JSON.stringify(entry.payload),
        JSON.stringify(entry.options ?? {}),
        entry.runAt ?? now,
        now,
        OUTBOX_CHANNEL,
        entry.queue,
      ],
    );
    return id;
  }
  /**
   * CTEs for a caller's WITH clause that add `entry` if the caller's CTE `source` has a row,
   * and wake the relay: `<name>_added` inserts the row, `<name>` sends the notification (on
   * commit) and has a row if the entry was added. A CTE that only selects runs only if read,
   * so the caller's final SELECT must read `<name>`.
   */
  function addIfRowsSql(source: string, entry: OutboxEntry, name: string): SqlFragment {
    const now = deps.clock.now();
    return {
      sql: `${name}_added as (
         insert into outbox (id, project_id, queue, name, payload, options, available_at, created_at)
         select ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::timestamptz, ?::timestamptz from ${source} limit 1
         returning 1
       ),
       ${name} as (select pg_notify(?, ?) from ${name}_added)`,
      bindings: [
        deps.ids('obx'),
        entry.projectId,
        entry.queue,
        entry.name,
        JSON.stringify(entry.payload),
        JSON.stringify(entry.options ?? {}),
        entry.runAt ?? now,
        now,
        OUTBOX_CHANNEL,
        entry.queue,
      ],
    };
  }

  /**
   * Adds an entry for each row `insert` inserted: `insert` is an INSERT … RETURNING a text column `key`
   * (e.g. with ON CONFLICT DO NOTHING) over many rows, and `entries` holds the outbox entry of
   * each key. Adds the entries of the keys it inserted and one notification per queue, all in
   * one statement, and resolves with the inserted keys.
   */
  async function addForEachInserted(
    trx: Trx | Db,
    insert: SqlFragment,
    entries: ReadonlyMap<string, OutboxEntry>,
  ): Promise<Set<string>> {
    const now = deps.clock.now();
    const rows = [...entries].map(([key, entry]) => ({
      key,
      id: deps.ids('obx'),
      project_id: entry.projectId,
      queue: entry.queue,
      name: entry.name,
      payload: entry.payload,
      options: entry.options ?? {},
      available_at: (entry.runAt ?? now).toISOString(),
    }));
    const { rows: inserted } = await trx.raw<{ rows: { key: string | null }[] }>(
      `with inserted as (${insert.sql}),
       entries as (
         select * from jsonb_to_recordset(?::jsonb) as e(
           key text, id text, project_id text, queue text, name text, payload jsonb,
           options jsonb, available_at timestamptz)
       ),
       added as (
         insert into outbox (id, project_id, queue, name, payload, options, available_at, created_at)
         select e.id, e.project_id, e.queue, e.name, e.payload, e.options, e.available_at, ?
           from entries e join inserted i on i.key = e.key
         returning queue
       )
       select key from inserted
       union all
       select null from (select distinct queue from added) q cross join lateral pg_notify(?, q.queue)`,
      [...insert.bindings, JSON.stringify(rows), now, OUTBOX_CHANNEL],
    );
    return new Set(inserted.flatMap((r) => (r.key === null ? [] : [r.key])));
  }

  return { add, addIfRowsSql, addForEachInserted };
}
