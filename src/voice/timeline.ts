import type { StoredEvent } from '../events/index.js';
import { CALL_STATUSES, type CallStatus } from './call-status.js';
import { STEP_EVENT } from './call-events.js';

/**
 * One entry of `GET /v1/calls/{id}/events`, oldest first. `type` is the event type:
 * `call.<status>` for a status change (with `status` and, once over, `hangup_cause`),
 * `call.step` for a flow step (`step`, `verb`, `input`, `outcome`, `next`, `details` as the
 * interpreter reported them), and notes such as `call.redirected`, `call.channel_lost`,
 * `recording.completed` (with their `data`).
 */
export interface TimelineEntry {
  id: string;
  type: string;
  created_at: string;
  status?: CallStatus;
  hangup_cause?: string | null;
  step?: string;
  verb?: string;
  input?: string;
  outcome?: string;
  next?: string;
  details?: unknown;
  data?: Record<string, unknown>;
}

const STATUS_TYPES = new Set(CALL_STATUSES.map((status) => `call.${status}`));

export function timelineEntryOf(event: StoredEvent): TimelineEntry {
  const base = { id: event.id, type: event.type, created_at: event.createdAt.toISOString() };
  const data = event.data;
  if (event.type === STEP_EVENT) {
    const entry: TimelineEntry = { ...base };
    for (const key of ['step', 'verb', 'input', 'outcome', 'next', 'details'] as const) {
      if (data[key] !== undefined) (entry as unknown as Record<string, unknown>)[key] = data[key];
    }
    return entry;
  }
  if (STATUS_TYPES.has(event.type)) {
    const status = event.type.slice('call.'.length) as CallStatus;
    const cause = data.hangup_cause as string | null | undefined;
    return { ...base, status, ...(cause !== undefined && { hangup_cause: cause }) };
  }
  return { ...base, data };
}
