import type { CallRow } from './calls.store.js';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** The call object of the API (API.md "Calls"). */
export function callView(row: CallRow) {
  return {
    id: row.id,
    direction: row.direction,
    to: row.to_addr,
    from: row.from_addr,
    status: row.status,
    flow_id: row.flow_id,
    flow_version: row.flow_version,
    status_callback: row.status_callback,
    timeout: row.timeout,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    started_at: iso(row.started_at),
    answered_at: iso(row.answered_at),
    ended_at: iso(row.ended_at),
    duration: row.duration,
    hangup_cause: row.hangup_cause,
  };
}

export type CallView = ReturnType<typeof callView>;

/**
 * The columns `callView` shows that can change after the call is created (id, direction,
 * numbers and `created_at` never do). A write that believes it knows the row checks these
 * (see `CallEvents.moveStatusFrom`), so the view it builds without reading is the row's.
 */
export const CHANGING_VIEW_COLUMNS = [
  'status',
  'flow_id',
  'flow_version',
  'status_callback',
  'timeout',
  'updated_at',
  'started_at',
  'answered_at',
  'ended_at',
  'duration',
  'hangup_cause',
] as const satisfies ReadonlyArray<keyof CallRow>;
