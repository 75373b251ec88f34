import { batchKeys, claimDueSql, runClaim, type Db, type SqlFragment } from '../platform/index.js';

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

/** What a dispatcher needs of a delivery it claimed to send one attempt. */
export type ClaimedDelivery = Pick<
  DeliveryRow,
  'id' | 'project_id' | 'event_id' | 'url' | 'body' | 'attempts' | 'max_attempts'
>;

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

/** Dispatchers LISTEN here; a new or re-opened delivery NOTIFYs (sent on commit). */
export const DELIVERIES_CHANNEL = 'trunkline_webhooks';

/**
 * The dispatchers' claim of due deliveries (`claimDueSql`, run by `runClaim`). Exported for
 * the plan test.
 */
export const CLAIM_DELIVERIES_SQL = claimDueSql('webhook_deliveries', {
  where: "status = 'pending'",
  returning: 't.id, t.project_id, t.event_id, t.url, t.body, t.attempts, t.max_attempts',
});

/**
 * "Still pending", for the batch updates of claimed deliveries (attempts, hand-backs), which
 * find their rows by primary key. Written as "not finished" rather than `status = 'pending'`
 * on purpose: that condition is the due index's, and the planner, whose statistics lag a
 * backlog (they said 42 pending rows where 5,200 were), then read the whole due index and
 * every pending row for each batch of 50, instead of 50 primary-key probes. The two are
 * equal: `status` has three values (a check constraint).
 */
const STILL_PENDING = "d.status not in ('succeeded', 'failed')";

/** The hand-back of claimed deliveries (`release`), as SQL. */
export function releaseSql(batch: ReadonlyArray<{ id: string; at: Date }>): SqlFragment {
  return {
    sql: `update webhook_deliveries d set next_attempt_at = r.at
            from jsonb_to_recordset(?::jsonb) as r(id text, at timestamptz)
           where d.id = r.id and ${STILL_PENDING} and ${batchKeys('d.id')}`,
    bindings: [JSON.stringify(batch), batch.map((b) => b.id)],
  };
}

/**
 * Logs attempts and moves their deliveries on, atomically, in one statement for the whole
 * batch (each delivery at most once per batch). An attempt whose delivery has moved on
 * meanwhile (another dispatcher recorded that attempt number after this one's claim ran
 * out) is dropped, so the log never holds one number twice.
 */
export function recordAttemptsSql(
  batch: ReadonlyArray<{ attempt: AttemptRow; update: DeliveryUpdate }>,
): SqlFragment {
  // One JSON array of tuples, times as epoch milliseconds: JSON.stringify is native, where
  // eleven array parameters went through pg's escaping element by element (~3 µs of the
  // dispatcher's CPU per attempt, 2026-12-07), and PostgreSQL reads it as fast. Text from
  // outside (the error, the snippet) is `storableText` already. The attempt's project is
  // its delivery's.
  const tuples = batch.map(({ attempt: a, update: u }) => [
    a.id,
    a.delivery_id,
    a.number,
    a.attempted_at.getTime(),
    a.status_code,
    a.latency_ms,
    a.error,
    a.response_snippet,
    u.status,
    u.next_attempt_at?.getTime() ?? null,
    u.updated_at.getTime(),
  ]);
  return {
    sql: `with input as (
       select r->>0 as id, r->>1 as delivery_id, (r->>2)::int as number,
              (r->>3)::bigint as attempted_at, (r->>4)::int as status_code,
              (r->>5)::int as latency_ms, r->>6 as error, r->>7 as response_snippet,
              r->>8 as status, (r->>9)::bigint as next_attempt_at, (r->>10)::bigint as updated_at
         from json_array_elements(?::json) as r
     ),
     moved as (
       update webhook_deliveries d
          set status = i.status, next_attempt_at = to_timestamp(i.next_attempt_at / 1000.0),
              updated_at = to_timestamp(i.updated_at / 1000.0), attempts = i.number,
              last_status_code = i.status_code, last_error = i.error
         from input i
        where d.id = i.delivery_id and ${STILL_PENDING} and d.attempts = i.number - 1
          and d.id = any(array(select delivery_id from input)) -- see batchKeys
       returning d.id, d.project_id
     )
     insert into webhook_attempts
       (id, delivery_id, project_id, number, attempted_at, status_code, latency_ms, error,
        response_snippet)
     select i.id, i.delivery_id, m.project_id, i.number, to_timestamp(i.attempted_at / 1000.0),
            i.status_code, i.latency_ms, i.error, i.response_snippet
       from input i join moved m on m.id = i.delivery_id`,
    bindings: [JSON.stringify(tuples)],
  };
}

/** The only place knex touches webhook_deliveries and webhook_attempts. */
export function createDeliveriesStore(db: Db) {
  return {
    /**
     * The INSERT of new deliveries from one recordset parameter (none where one exists for the
     * event and URL), as SQL returning the inserted ids; with `where`, only the rows for which
     * that condition (on the row `d`, e.g. a test against the caller's CTEs) holds. Its text
     * depends only on `where`, never on the rows.
     */
    insertSql(
      rows: ReadonlyArray<
        Omit<DeliveryRow, 'attempts' | 'last_status_code' | 'last_error' | 'updated_at' | 'status'>
      >,
      where = 'true',
    ): SqlFragment {
      return {
        sql: `insert into webhook_deliveries
                (id, project_id, event_id, event_type, url, body, status, max_attempts,
                 next_attempt_at, created_at, updated_at)
              select d.id, d.project_id, d.event_id, d.event_type, d.url, d.body, 'pending',
                     d.max_attempts, d.next_attempt_at, d.created_at, d.created_at
                from jsonb_to_recordset(?::jsonb) as d(
                       id text, project_id text, event_id text, event_type text, url text,
                       body text, max_attempts int, next_attempt_at timestamptz,
                       created_at timestamptz)
               where ${where}
              on conflict (event_id, url) do nothing
              returning id`,
        bindings: [JSON.stringify(rows)],
      };
    },

    /**
     * Claims up to `limit` deliveries due at `now`, oldest due first, skipping rows another
     * dispatcher is claiming: each one's `next_attempt_at` moves to `leaseUntil`, so if its
     * claimer goes away before recording an attempt it is due again then (at-least-once).
     */
    async claimDue(now: Date, limit: number, leaseUntil: Date): Promise<ClaimedDelivery[]> {
      return runClaim<ClaimedDelivery>(db, CLAIM_DELIVERIES_SQL, { now, limit, leaseUntil });
    },

    /** Hands claimed deliveries back unattempted, each due again at its `at`. */
    async release(batch: ReadonlyArray<{ id: string; at: Date }>): Promise<void> {
      const { sql, bindings } = releaseSql(batch);
      await db.raw(sql, bindings);
    },

    /**
     * Makes deliveries a lane had paced due at `at` instead, each only while it is still due at
     * the time it was paced to (`from`): one claimed meanwhile, by any process, is left alone.
     * The ids of those moved.
     */
    async pullForward(
      batch: ReadonlyArray<{ id: string; from: Date }>,
      at: Date,
    ): Promise<string[]> {
      const rows = await db.raw(
        `update webhook_deliveries d set next_attempt_at = ?
           from jsonb_to_recordset(?::jsonb) as r(id text, "from" timestamptz)
          where d.id = r.id and d.next_attempt_at = r."from" and ${STILL_PENDING}
            and ${batchKeys('d.id')}
          returning d.id`,
        [at, JSON.stringify(batch), batch.map((b) => b.id)],
      );
      return (rows.rows as Array<{ id: string }>).map((r) => r.id);
    },

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

    /** Logs attempts and moves their deliveries on (`recordAttemptsSql`). */
    async recordAttempts(
      batch: ReadonlyArray<{ attempt: AttemptRow; update: DeliveryUpdate }>,
    ): Promise<void> {
      const { sql, bindings } = recordAttemptsSql(batch);
      await db.raw(sql, bindings);
    },

    /**
     * Re-opens a finished delivery for exactly one more attempt, due now, and wakes the
     * dispatchers (on commit); false if it is still pending.
     */
    async reopen(projectId: string, id: string, now: Date): Promise<boolean> {
      const { rows } = await db.raw<{ rows: unknown[] }>(
        `with reopened as (
           update webhook_deliveries
              set status = 'pending', max_attempts = attempts + 1, next_attempt_at = ?,
                  updated_at = ?
            where project_id = ? and id = ? and status <> 'pending'
           returning id
         )
         select pg_notify(?, '') from reopened`,
        [now, now, projectId, id, DELIVERIES_CHANNEL],
      );
      return rows.length > 0;
    },
  };
}

export type DeliveriesStore = ReturnType<typeof createDeliveriesStore>;
