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

    /** Logs one attempt and moves the delivery on, atomically (one statement). */
    async recordAttempt(
      attempt: AttemptRow,
      update: { status: DeliveryStatus; next_attempt_at: Date | null; updated_at: Date },
    ) {
      await db.raw(
        `with logged as (
           insert into webhook_attempts
             (id, delivery_id, project_id, number, attempted_at, status_code, latency_ms, error,
              response_snippet)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?)
         )
         update webhook_deliveries
            set status = ?, next_attempt_at = ?, updated_at = ?, attempts = ?,
                last_status_code = ?, last_error = ?
          where id = ?`,
        [
          attempt.id,
          attempt.delivery_id,
          attempt.project_id,
          attempt.number,
          attempt.attempted_at,
          attempt.status_code,
          attempt.latency_ms,
          attempt.error,
          attempt.response_snippet,
          update.status,
          update.next_attempt_at,
          update.updated_at,
          attempt.number,
          attempt.status_code,
          attempt.error,
          attempt.delivery_id,
        ],
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
