import type { EventCursor, EventStore, StoredEvent } from '../../events/index.js';
import type { Logger } from '../../platform/index.js';
import { CHAT_STREAM } from '../chat-log.js';
import type { EventPositions } from './cursor.js';

export interface TailerOptions {
  /** Safety poll when nothing is announced (a lost pub/sub message, a late commit). */
  pollMs: number;
  /** Re-read delay while announced events are not yet readable (an older transaction is open). */
  retryMs: number;
  /** How long an announced position is waited for before the safety poll takes over. */
  expectMs: number;
  batch: number;
}

export const DEFAULT_TAILER_OPTIONS: TailerOptions = {
  pollMs: 500,
  retryMs: 5,
  expectMs: 10_000,
  batch: 500,
};

export type EventTailer = ReturnType<typeof createEventTailer>;

/**
 * One per API process: follows the chat events of every project in the event store's
 * (transaction id, position) order and hands each batch to `dispatch`. Redis announcements
 * (`expect` + `nudge`) only make it read sooner; Postgres decides what exists and in which
 * order, so a lost announcement delays an event but never loses or reorders it.
 */
export function createEventTailer(deps: {
  events: EventStore;
  positions: EventPositions;
  logger: Logger;
  options: TailerOptions;
  dispatch: (events: StoredEvent[]) => void;
}) {
  const { options } = deps;
  let cursor: EventCursor | null = null;
  let running = false;
  let again = false;
  let stopped = true;
  let timer: NodeJS.Timeout | null = null;
  const expected = new Map<number, number>();
  /** Recently read positions, so a late announcement of an event already read is ignored. */
  let seen = new Set<number>();

  function schedule(ms: number) {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void pump(), ms);
  }

  async function readOnce(): Promise<number> {
    const page = await deps.events.readAll({
      after: cursor,
      limit: options.batch,
      streamTypes: [CHAT_STREAM],
    });
    // The cursor moves even past a page with no chat event: the events it read past are not
    // read again.
    cursor = page.cursor;
    if (page.events.length === 0) return 0;
    if (seen.size > 50_000) seen = new Set();
    for (const event of page.events) {
      expected.delete(event.position);
      seen.add(event.position);
    }
    deps.dispatch(page.events);
    return page.events.length;
  }

  async function pump(): Promise<void> {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        while ((await readOnce()) === options.batch && !stopped);
      } while (again && !stopped);
    } catch (err) {
      deps.logger.warn({ err }, 'realtime tailer read failed');
    } finally {
      running = false;
    }
    const now = Date.now();
    for (const [position, since] of expected)
      if (now - since > options.expectMs) expected.delete(position);
    schedule(expected.size > 0 ? options.retryMs : options.pollMs);
  }

  return {
    async start() {
      stopped = false;
      cursor = await deps.positions.head();
      schedule(options.pollMs);
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
    /** Events were committed somewhere: read now, and keep re-reading until these appear. */
    expect(positions: number[]) {
      const now = Date.now();
      for (const p of positions) if (!seen.has(p)) expected.set(p, now);
      void pump();
    },
    nudge() {
      void pump();
    },
    /** The last event read: a new socket starts right after it. */
    cursor: () => cursor,
  };
}
