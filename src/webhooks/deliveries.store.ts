import type { Db, SqlFragment, Trx } from '../platform/index.js';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface DeliveryRow {
  id: string;
  project_id: string;
  event_id: string;
  event_type: string;
  url: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  max_attempts: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Where an attempt leaves its delivery. */
export interface DeliveryUpdate {
  status: DeliveryStatus;
  next_attempt_at: Date | null;
  updated_at: Date;
}

export interface AttemptRow {
  id: string;
  delivery_id: string;
  project_id: string;
  number: number;
  attempted_at: Date;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  response_snippet: string | null;
}

/** The only place knex touches webhook_deliveries and webhook_attempts. */
export function createDeliveriesStore(db: Db) {
  return {
    /**
     * The INSERT of a new delivery (none if one exists for the event and URL), as SQL; with
     * `onlyIf`, only if the caller's CTE of that name has a row.
     */
    insertSql(
      row: Omit<
        DeliveryRow,
        'attempts' | 'last_status_code' | 'last_error' | 'updated_at' | 'status'
      >,
      onlyIf?: string,
    ): SqlFragment {
      return {
        sql: `insert into webhook_deliveries
                (id, project_id, event_id, event_type, url, body, status, max_attempts,
                 next_attempt_at, created_at, updated_at)
              select ?, ?, ?, ?, ?, ?, 'pending', ?::integer, ?::timestamptz, ?::timestamptz,
                     ?::timestamptz
               where ${onlyIf ? `exists (select 1 from ${onlyIf})` : 'true'}
              on conflict (event_id, url) do nothing
              returning id`,
        bindings: [
          row.id,
          row.project_id,
          row.event_id,
          row.event_type,
          row.url,
          row.body,
          row.max_attempts,
          row.next_attempt_at,
          row.created_at,
          row.created_at,
        ],
      };
    },

    find: (id: string) => db<DeliveryRow>('webhook_deliveries').where({ id }).first(),

    /** Several deliveries by id, in one statement (order not guaranteed). */
    findMany: (ids: readonly string[]) =>
      db<DeliveryRow>('webhook_deliveries').whereIn('id', ids as string[]),

    findForProject: (projectId: string, id: string) =>
      db<DeliveryRow>('webhook_deliveries').where({ project_id: projectId, id }).first(),

    listQuery: (projectId: string, filters: { status?: string; event_type?: string }) => {
      const query = db<DeliveryRow>('webhook_deliveries').where({ project_id: projectId });
      if (filters.status) query.where('status', filters.status);
      if (filters.event_type) query.where('event_type', filters.event_type);
      return query;
    },

    attemptsOf: (deliveryId: string) =>
      db<AttemptRow>('webhook_attempts').where({ delivery_id: deliveryId }).orderBy('number'),

    /**
     * Logs attempts and moves their deliveries on, atomically, in one statement for the whole
     * batch (each delivery at most once per batch).
     */
    async recordAttempts(
      batch: ReadonlyArray<{ attempt: AttemptRow; update: DeliveryUpdate }>,
    ): Promise<void> {
      const rows = batch.map(({ attempt, update }) => ({ ...attempt, ...update }));
      await db.raw(
        `with input as (
           select * from jsonb_to_recordset(?::jsonb) as r(
             id text, delivery_id text, project_id text, number int, attempted_at timestamptz,
             status_code int, latency_ms int, error text, response_snippet text, status text,
             next_attempt_at timestamptz, updated_at timestamptz)
         ),
         logged as (
           insert into webhook_attempts
             (id, delivery_id, project_id, number, attempted_at, status_code, latency_ms, error,
              response_snippet)
           select id, delivery_id, project_id, number, attempted_at, status_code, latency_ms,
                  error, response_snippet
             from input
         )
         update webhook_deliveries d
            set status = i.status, next_attempt_at = i.next_attempt_at, updated_at = i.updated_at,
                attempts = i.number, last_status_code = i.status_code, last_error = i.error
           from input i
          where d.id = i.delivery_id`,
        [JSON.stringify(rows)],
      );
    },

    setNextAttempt: (id: string, at: Date) =>
      db('webhook_deliveries').where({ id, status: 'pending' }).update({ next_attempt_at: at }),

    /** Re-opens a finished delivery for exactly one more attempt; false if it is still pending. */
    async reopen(trx: Trx, projectId: string, id: string, now: Date): Promise<boolean> {
      const updated = await trx('webhook_deliveries')
        .where({ project_id: projectId, id })
        .whereNot({ status: 'pending' })
        .update({
          status: 'pending',
          max_attempts: trx.raw('attempts + 1'),
          next_attempt_at: now,
          updated_at: now,
        });
      return updated > 0;
    },
  };
}

export type DeliveriesStore = ReturnType<typeof createDeliveriesStore>;
