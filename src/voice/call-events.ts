import { isStreamConflict, type EventStore, type NewEvent } from '../events/index.js';
import type { FlowTimelineEntry } from '../flows/index.js';
import {
  ALWAYS,
  cte,
  runCtes,
  unchangedColumns,
  type Clock,
  type Db,
  type SqlFragment,
  type Trx,
} from '../platform/index.js';
import type { ScheduleWebhook } from '../webhooks/index.js';
import {
  callDuration,
  statusesBefore,
  timestampsOf,
  transitionCall,
  webhookTypeOf,
  type CallStatus,
} from './call-status.js';
import { CHANGING_VIEW_COLUMNS, callView } from './call-view.js';
import type { CallRow, CallsStore } from './calls.store.js';

/** What a timeline write needs to know of the call. */
export type CallRef = Pick<CallRow, 'id' | 'project_id'>;

/** Flow steps recorded with a status change: those that led to it, and those it started. */
export interface StepsAround {
  before?: FlowTimelineEntry[];
  after?: FlowTimelineEntry[];
}

/** Event types of a call's stream that are not status changes. */
export const STEP_EVENT = 'call.step';

/**
 * Writes what happens to a call, always in the caller's transaction and with the call row
 * locked: status changes (row, `call.<status>` event, webhook to `status_callback` else the
 * project URL), each flow step the interpreter reports, and other timeline notes. A status
 * change and the flow steps around it are one append (one statement).
 */
export function createCallEvents(deps: {
  db: Db;
  store: CallsStore;
  events: EventStore;
  scheduleWebhook: ScheduleWebhook;
  clock: Clock;
}) {
  const streamOf = (row: CallRef, events: NewEvent[]) => ({
    projectId: row.project_id,
    streamType: 'call',
    streamId: row.id,
    events,
  });

  async function appendAll(trx: Trx, row: CallRef, events: NewEvent[]) {
    return deps.events.append(trx, streamOf(row, events));
  }

  async function append(trx: Trx, row: CallRef, type: string, data: Record<string, unknown>) {
    const [event] = await appendAll(trx, row, [{ type, data }]);
    return event;
  }

  const stepEvents = (entries: FlowTimelineEntry[]): NewEvent[] =>
    entries.map((entry) => ({ type: STEP_EVENT, data: { ...entry } }));

  /** Timestamps and duration that come with a status (`store.changeStatus` does it in SQL). */
  function patchFor(row: CallRow, status: CallStatus, now: Date): Partial<CallRow> {
    const patch: Partial<CallRow> = { status, updated_at: now };
    const marks = timestampsOf(status);
    if (marks.start && !row.started_at) patch.started_at = now;
    if (marks.answer) patch.answered_at = now;
    if (marks.end) {
      patch.ended_at = now;
      patch.duration = callDuration(row.answered_at, now);
    }
    return patch;
  }

  /**
   * The status event of a change already on `row`, between the steps that led to it and the
   * steps that follow from it, and its webhook: CTEs that run only if the CTE `onlyIf` has a
   * row, with the names the statement must read. `trx`: the transaction it will run in.
   */
  async function statusChangeSql(
    row: CallRow,
    steps: StepsAround,
    onlyIf: string,
    trx?: Trx,
  ): Promise<{ ctes: Array<SqlFragment | null>; counted: string[] }> {
    const data = callView(row);
    const before = stepEvents(steps.before ?? []);
    const after = stepEvents(steps.after ?? []);
    const append = deps.events.appendSql(
      streamOf(row, [...before, { type: `call.${row.status}`, data }, ...after]),
      { onlyIf },
    );
    const event = append.events[before.length];
    const type = webhookTypeOf(row.status);
    const webhook = type
      ? await deps.scheduleWebhook.sql(
          {
            projectId: row.project_id,
            event: { id: event.id, type, createdAt: event.createdAt, data },
            urls: [row.status_callback],
          },
          { onlyIf, name: 'webhook', trx },
        )
      : null;
    return { ctes: [cte('appended', append), webhook], counted: webhook ? ['webhook'] : [] };
  }

  /** Records a change already on the (locked) `row`: its event, steps and webhook, one statement. */
  async function announceStatus(trx: Trx, row: CallRow, steps: StepsAround = {}): Promise<void> {
    const change = await statusChangeSql(row, steps, 'always', trx);
    await runCtes(trx, [ALWAYS, ...change.ctes], change.counted);
  }

  /**
   * Moves the (locked) call to `next` when the status machine allows it; returns the row as
   * it now is. `extra` lands on the row with the change (hangup cause, channel id).
   */
  async function changeStatus(
    trx: Trx,
    row: CallRow,
    next: CallStatus,
    extra: Partial<CallRow> = {},
  ): Promise<CallRow> {
    const { changed } = transitionCall(row.status, next);
    if (!changed) return row;
    const patch = { ...patchFor(row, next, deps.clock.now()), ...extra };
    const updated: CallRow = { ...row, ...patch };
    await deps.store.update(trx, row.id, patch);
    await announceStatus(trx, updated);
    return updated;
  }

  /**
   * Moves the call to `next` when the status machine allows it, without reading it first: one
   * UPDATE (which takes the row lock) and one append of the status event with the flow steps
   * around it (`steps.before`: those that led to the change, e.g. a hang-up's; `after`: those
   * it starts, e.g. the answer's). Returns the row as it now is, or null when the status did
   * not change: `extra` is then not written, and the steps are recorded alone if the call exists.
   */
  async function moveStatus(
    trx: Trx,
    callId: string,
    next: CallStatus,
    options: { extra?: Partial<CallRow>; steps?: StepsAround } = {},
  ): Promise<CallRow | null> {
    const row = await deps.store.changeStatus(trx, callId, {
      status: next,
      from: statusesBefore(next),
      at: deps.clock.now(),
      extra: options.extra,
    });
    if (row) {
      await announceStatus(trx, row, options.steps);
      return row;
    }
    const steps = [...(options.steps?.before ?? []), ...(options.steps?.after ?? [])];
    const locked = steps.length > 0 ? await deps.store.lock(trx, callId) : undefined;
    if (locked) await appendAll(trx, locked, stepEvents(steps));
    return null;
  }

  /**
   * `moveStatus` for a caller that believes it knows the row (`known`, e.g. the row its last
   * write returned): the UPDATE, the status event with the steps around it, and the webhook
   * are one statement outside any transaction, built from `known` without reading. The UPDATE
   * applies only while every column the view shows is still as `known` says, so the event
   * carries the row as it is. When it does not apply (another writer moved the call), or a
   * concurrent append to the call's stream wins the race, the change is made the slow way:
   * a transaction that locks the row and reads it (`moveStatus`).
   */
  async function moveStatusFrom(
    known: CallRow,
    next: CallStatus,
    options: { extra?: Partial<CallRow>; steps?: StepsAround } = {},
  ): Promise<CallRow | null> {
    if (transitionCall(known.status, next).changed) {
      const moved = await moveInOneStatement(known, next, options);
      if (moved) return moved;
    }
    return deps.db.transaction((trx) => moveStatus(trx, known.id, next, options));
  }

  async function moveInOneStatement(
    known: CallRow,
    next: CallStatus,
    options: { extra?: Partial<CallRow>; steps?: StepsAround },
  ): Promise<CallRow | null> {
    const patch = { ...patchFor(known, next, deps.clock.now()), ...options.extra };
    const row: CallRow = { ...known, ...patch };
    // The status the transition was checked from, and everything else the view shows.
    const expected = unchangedColumns(known, patch, CHANGING_VIEW_COLUMNS, ['status']);
    const change = await statusChangeSql(row, options.steps ?? {}, 'moved');
    const update = deps.store.updateSql(row.id, patch, expected);
    try {
      const counts = await runCtes(
        deps.db,
        [cte('moved', update), ...change.ctes],
        ['moved', ...change.counted],
      );
      return counts.moved > 0 ? row : null;
    } catch (err) {
      if (isStreamConflict(err)) return null;
      throw err;
    }
  }

  /**
   * A new call that starts in `status` (an inbound call, ringing): the row with the change
   * applied, its event and webhook. Returns the row as written.
   */
  async function insertWithStatus(trx: Trx, row: CallRow, status: CallStatus): Promise<CallRow> {
    const { changed } = transitionCall(row.status, status);
    const inserted = changed ? { ...row, ...patchFor(row, status, deps.clock.now()) } : row;
    await deps.store.insert(trx, inserted);
    if (changed) await announceStatus(trx, inserted);
    return inserted;
  }

  /**
   * Writes `patch` and records the steps that led to it: one statement outside any
   * transaction (the UPDATE, then the append if it found the call). If a concurrent append
   * to the call's stream wins the race, the slow way: a transaction, UPDATE then append.
   */
  async function updateWithSteps(
    row: CallRef,
    patch: Partial<CallRow>,
    entries: FlowTimelineEntry[],
  ): Promise<void> {
    const update = deps.store.updateSql(row.id, patch);
    const append = deps.events.appendSql(streamOf(row, stepEvents(entries)), {
      onlyIf: 'moved',
    });
    try {
      await runCtes(deps.db, [cte('moved', update), cte('appended', append)], []);
    } catch (err) {
      if (!isStreamConflict(err)) throw err;
      await deps.db.transaction(async (trx) => {
        await deps.store.update(trx, row.id, patch);
        await recordSteps(trx, row, entries);
      });
    }
  }

  /** One timeline entry per step visit, in order (one append). */
  async function recordSteps(trx: Trx, row: CallRef, entries: FlowTimelineEntry[]) {
    if (entries.length > 0) await appendAll(trx, row, stepEvents(entries));
  }

  /**
   * A timeline note that is neither a status nor a step (`call.redirected`,
   * `call.channel_lost`, `flow.sms_refused`). The call row is locked first, as for every write
   * here, so a note never races another append for the stream's next version (a caller that
   * holds the lock already loses nothing).
   */
  async function recordNote(trx: Trx, row: CallRef, type: string, data: Record<string, unknown>) {
    await deps.store.lock(trx, row.id);
    await append(trx, row, type, data);
  }

  /** `recordNote` in a transaction of its own (a live call's note, written by the orchestrator). */
  async function note(row: CallRef, type: string, data: Record<string, unknown>) {
    await deps.db.transaction((trx) => recordNote(trx, row, type, data));
  }

  /** A timeline note that is also a webhook (`recording.completed`). */
  async function announce(trx: Trx, row: CallRow, type: string, data: Record<string, unknown>) {
    const event = await append(trx, row, type, data);
    await deps.scheduleWebhook(trx, {
      projectId: row.project_id,
      event: { id: event.id, type, createdAt: event.createdAt, data },
      urls: [row.status_callback],
    });
  }

  return {
    changeStatus,
    moveStatus,
    moveStatusFrom,
    insertWithStatus,
    recordSteps,
    updateWithSteps,
    recordNote,
    note,
    announce,
  };
}

export type CallEvents = ReturnType<typeof createCallEvents>;
