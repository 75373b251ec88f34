import type { Db, Trx } from '../platform/index.js';

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
    /** Inserts a delivery unless one exists for the same event and URL; returns it if new. */
    async insert(
      trx: Trx,
      row: Omit<
        DeliveryRow,
        'attempts' | 'last_status_code' | 'last_error' | 'updated_at' | 'status'
      >,
    ) {
      const inserted = await trx('webhook_deliveries')
        .insert({ ...row, status: 'pending', updated_at: row.created_at })
        .onConflict(['event_id', 'url'])
        .ignore()
        .returning('id');
      return inserted.length > 0;
    },

    find: (id: string) => db<DeliveryRow>('webhook_deliveries').where({ id }).first(),

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

    /** Logs one attempt and moves the delivery on, in one transaction. */
    async recordAttempt(
      attempt: AttemptRow,
      update: { status: DeliveryStatus; next_attempt_at: Date | null; updated_at: Date },
    ) {
      await db.transaction(async (trx) => {
        await trx('webhook_attempts').insert(attempt);
        await trx('webhook_deliveries')
          .where({ id: attempt.delivery_id })
          .update({
            ...update,
            attempts: attempt.number,
            last_status_code: attempt.status_code,
            last_error: attempt.error,
          });
      });
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
