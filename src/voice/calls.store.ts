import type { Knex } from 'knex';
import type { FlowCommand, FlowDefinition, FlowState } from '../flows/index.js';
import {
  insertRowSql,
  updateRowSql,
  type Db,
  type SqlFragment,
  type Trx,
} from '../platform/index.js';
import { LIVE_STATUSES, timestampsOf, type CallStatus } from './call-status.js';

export interface CallRow {
  id: string;
  project_id: string;
  direction: 'outbound' | 'inbound';
  to_addr: string;
  from_addr: string;
  status: CallStatus;
  flow_id: string | null;
  flow_version: number | null;
  /** The definition the call runs: the version it started with, its inline flow, or a redirect's target. */
  flow_definition: FlowDefinition;
  /** The interpreter state after the last step; null before the answer. */
  flow_state: FlowState | null;
  /** The command the flow waits on, re-issued when another orchestrator resumes the call. */
  flow_command: FlowCommand | null;
  /**
   * The leg the waiting `dial` step rang (set once its originate returned) and when it
   * answered; null otherwise. A restarted orchestrator reads it when the PBX no longer has
   * the leg.
   */
  dial_leg: DialLegRecord | null;
  /** Our ARI channel id for the caller's leg. */
  channel_id: string | null;
  timeout: number;
  record: boolean;
  status_callback: string | null;
  hangup_cause: string | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  answered_at: Date | null;
  ended_at: Date | null;
  duration: number | null;
}

/** A dial step's leg as `calls.dial_leg` keeps it. */
export interface DialLegRecord {
  id: string;
  /** ISO time of the leg's answer; null while it rings. */
  answered_at: string | null;
}

/** What differs between new calls; everything else starts empty (a fresh, queued call). */
export type NewCall = Pick<
  CallRow,
  | 'id'
  | 'project_id'
  | 'direction'
  | 'to_addr'
  | 'from_addr'
  | 'flow_id'
  | 'flow_version'
  | 'flow_definition'
> &
  Partial<Pick<CallRow, 'channel_id' | 'timeout' | 'record' | 'status_callback'>>;

/** A queued call row, before its first status change. */
export function newCallRow(call: NewCall, now: Date): CallRow {
  return {
    channel_id: null,
    timeout: 30,
    record: false,
    status_callback: null,
    ...call,
    status: 'queued',
    flow_state: null,
    flow_command: null,
    dial_leg: null,
    hangup_cause: null,
    created_at: now,
    updated_at: now,
    started_at: null,
    answered_at: null,
    ended_at: null,
    duration: null,
  };
}

export interface CallFilters {
  status?: string;
  direction?: string;
  to?: string;
  from?: string;
}

/**
 * A status change as one UPDATE: it applies only while the call is in one of `from` (the
 * status machine's precondition, `statusesBefore`), with the timestamps of `timestampsOf`
 * worked out from the row being changed, and `extra` columns (hangup cause, channel id, flow
 * state) written with it.
 */
export interface StatusChange {
  status: CallStatus;
  from: readonly CallStatus[];
  at: Date;
  extra?: Partial<CallRow>;
}

const JSON_COLUMNS = ['flow_definition', 'flow_state', 'flow_command', 'dial_leg'] as const;

/** jsonb columns go to pg as JSON text, so arrays and strings are never mistaken for SQL types. */
function serialize(patch: Partial<CallRow>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...patch };
  for (const column of JSON_COLUMNS) {
    if (out[column] !== undefined && out[column] !== null)
      out[column] = JSON.stringify(out[column]);
  }
  return out;
}

/** `col = ?, ...` for a patch, with its bindings (identifiers bound with `??`). */
function assignments(patch: Partial<CallRow>): { sql: string[]; bindings: Knex.Value[] } {
  const sql: string[] = [];
  const bindings: Knex.Value[] = [];
  for (const [column, value] of Object.entries(serialize(patch))) {
    if (value === undefined) continue;
    sql.push('?? = ?');
    bindings.push(column, value as Knex.Value);
  }
  return { sql, bindings };
}

/**
 * `callDuration` in SQL: whole seconds from `answered_at` to the bound end time, never
 * negative, 0 for a call never answered.
 */
const DURATION_SQL =
  'duration = coalesce(' +
  'greatest(0, floor(extract(epoch from (?::timestamptz - answered_at))))::integer, 0)';

/**
 * The only place knex touches the `calls` table. Reads for the API are per project. The
 * orchestrator's writes are raw single statements: they run several times per call.
 */
export function createCallsStore(db: Db) {
  /**
   * The INSERT of a new call, as SQL returning its id (for a statement that adds to it); with
   * `only`, the row is inserted only if that condition holds (else nothing is returned).
   */
  function insertSql(row: CallRow, only?: SqlFragment): SqlFragment {
    return insertRowSql('calls', row, { where: only, returning: 'id' });
  }

  return {
    insertSql,
    async insert(trx: Trx, row: CallRow): Promise<void> {
      const { sql, bindings } = insertSql(row);
      await trx.raw(sql, bindings);
    },
    find: (id: string, trx: Db | Trx = db) => trx<CallRow>('calls').where({ id }).first(),
    findForProject: (projectId: string, id: string) =>
      db<CallRow>('calls').where({ project_id: projectId, id }).first(),
    findByChannel: (channelId: string) =>
      db<CallRow>('calls').where({ channel_id: channelId }).first(),
    /** Locks the call row for a change (status changes and the event store rely on it). */
    lock: (trx: Trx, id: string) => trx<CallRow>('calls').where({ id }).forUpdate().first(),
    /** Writes `patch` (the UPDATE holds the row lock until `trx` ends). */
    async update(trx: Db | Trx, id: string, patch: Partial<CallRow>): Promise<void> {
      const set = assignments(patch);
      if (set.sql.length === 0) return;
      await trx.raw(`update calls set ${set.sql.join(', ')} where id = ?`, [...set.bindings, id]);
    },
    /**
     * Applies a status change if the call is in one of `change.from`; the row as it now is (and
     * locked until `trx` ends), or undefined when the call is gone or in another status.
     */
    async changeStatus(trx: Trx, id: string, change: StatusChange): Promise<CallRow | undefined> {
      if (change.from.length === 0) return undefined;
      const marks = timestampsOf(change.status);
      const { at } = change;
      const sets: Array<[string, ...Knex.Value[]]> = [
        ['status = ?', change.status],
        ['updated_at = ?', at],
      ];
      if (marks.start) sets.push(['started_at = coalesce(started_at, ?)', at]);
      if (marks.answer) sets.push(['answered_at = ?', at]);
      if (marks.end) sets.push(['ended_at = ?', at], [DURATION_SQL, at]);
      const extra = assignments(change.extra ?? {});
      const { rows } = await trx.raw<{ rows: CallRow[] }>(
        `update calls set ${[...sets.map(([sql]) => sql), ...extra.sql].join(', ')}
          where id = ? and status in (${change.from.map(() => '?').join(', ')})
          returning *`,
        [...sets.flatMap(([, ...values]) => values), ...extra.bindings, id, ...change.from],
      );
      return rows[0];
    },
    /**
     * The UPDATE of `patch` as SQL for a caller's statement, returning the id; with `expected`,
     * applied only while each of those columns still holds its value (an optimistic write).
     */
    updateSql: (id: string, patch: Partial<CallRow>, expected: Partial<CallRow> = {}) =>
      updateRowSql('calls', id, serialize(patch), serialize(expected)),
    /** Calls that may still have a channel on the PBX (for reconciliation and resume). */
    listLive: () =>
      db<CallRow>('calls')
        .whereIn('status', ['initiated', 'ringing', 'in-progress'])
        .whereNotNull('channel_id'),
    listQuery(projectId: string, f: CallFilters) {
      const q = db<CallRow>('calls').where({ project_id: projectId });
      if (f.status) q.where('status', f.status);
      if (f.direction) q.where('direction', f.direction);
      if (f.to) q.where({ to_addr: f.to });
      if (f.from) q.where({ from_addr: f.from });
      return q;
    },
    isLive: (status: CallStatus) => LIVE_STATUSES.includes(status),
  };
}

export type CallsStore = ReturnType<typeof createCallsStore>;
