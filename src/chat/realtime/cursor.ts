import type { EventCursor } from '../../events/index.js';

/**
 * Orders event-store cursors: by transaction id (xid8, compared as a 64-bit number) then by
 * position. Realtime delivers every socket its events in exactly this order, so "the last
 * position I saw" names a prefix of the log and resuming after it has no gap or duplicate.
 */
export function compareCursors(a: EventCursor | null, b: EventCursor | null): number {
  if (a === null) return b === null ? 0 : -1;
  if (b === null) return 1;
  const ta = BigInt(a.transactionId);
  const tb = BigInt(b.transactionId);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.position === b.position ? 0 : a.position < b.position ? -1 : 1;
}
