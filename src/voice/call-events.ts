import type { EventStore } from '../events/index.js';
import type { FlowTimelineEntry } from '../flows/index.js';
import type { Clock, Trx } from '../platform/index.js';
import type { ScheduleWebhook } from '../webhooks/index.js';
import {
  callDuration,
  isFinalCallStatus,
  transitionCall,
  webhookTypeOf,
  type CallStatus,
} from './call-status.js';
import { callView } from './call-view.js';
import type { CallRow, CallsStore } from './calls.store.js';

/** What a timeline write needs to know of the call. */
export type CallRef = Pick<CallRow, 'id' | 'project_id'>;

/** Event types of a call's stream that are not status changes. */
export const STEP_EVENT = 'call.step';

/**
 * Writes what happens to a call, always in the caller's transaction and with the call row
 * locked: status changes (row, `call.<status>` event, webhook to `status_callback` else the
 * project URL), each flow step the interpreter reports, and other timeline notes.
 */
export function createCallEvents(deps: {
  store: CallsStore;
  events: EventStore;
  scheduleWebhook: ScheduleWebhook;
  clock: Clock;
}) {
  async function append(trx: Trx, row: CallRef, type: string, data: Record<string, unknown>) {
    const [event] = await deps.events.append(trx, {
      projectId: row.project_id,
      streamType: 'call',
      streamId: row.id,
      events: [{ type, data }],
    });
    return event;
  }

  /** Timestamps and duration that come with a status. */
  function patchFor(row: CallRow, status: CallStatus, now: Date): Partial<CallRow> {
    const patch: Partial<CallRow> = { status, updated_at: now };
    if (status === 'initiated' || (status === 'ringing' && !row.started_at)) patch.started_at = now;
    if (status === 'in-progress') patch.answered_at = now;
    if (isFinalCallStatus(status)) {
      patch.ended_at = now;
      patch.duration = callDuration(row.answered_at, now);
    }
    return patch;
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
    const data = callView(updated);
    const event = await append(trx, updated, `call.${next}`, data);
    const type = webhookTypeOf(next);
    if (type) {
      await deps.scheduleWebhook(trx, {
        projectId: row.project_id,
        event: { id: event.id, type, createdAt: event.createdAt, data },
        urls: [row.status_callback],
      });
    }
    return updated;
  }

  /** One timeline entry per step visit, in order. */
  async function recordSteps(trx: Trx, row: CallRef, entries: FlowTimelineEntry[]) {
    for (const entry of entries) await append(trx, row, STEP_EVENT, { ...entry });
  }

  /** A timeline note that is neither a status nor a step (`call.redirected`, `call.channel_lost`). */
  async function recordNote(trx: Trx, row: CallRef, type: string, data: Record<string, unknown>) {
    await append(trx, row, type, data);
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

  return { changeStatus, recordSteps, recordNote, announce };
}

export type CallEvents = ReturnType<typeof createCallEvents>;
