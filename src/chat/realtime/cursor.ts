import type { EventCursor, EventStore } from '../../events/index.js';

/** The event store reads realtime needs: where the log ends, and a cursor from a position. */
export type EventPositions = Pick<EventStore, 'head' | 'cursorAt'>;

/** Orders two xid8 values given as decimal text (no sign, no leading zeros) without BigInt. */
function compareXids(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : 1;
}

/**
 * Orders event-store cursors: by transaction id (xid8, compared as a 64-bit number) then by
 * position. Realtime delivers every socket its events in exactly this order, so "the last
 * position I saw" names a prefix of the log and resuming after it has no gap or duplicate.
 */
export function compareCursors(a: EventCursor | null, b: EventCursor | null): number {
  if (a === null) return b === null ? 0 : -1;
  if (b === null) return 1;
  const byXid = compareXids(a.transactionId, b.transactionId);
  if (byXid !== 0) return byXid;
  return a.position === b.position ? 0 : a.position < b.position ? -1 : 1;
}
