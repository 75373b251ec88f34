import type { EventCursor, EventStore, StoredEvent } from '../../events/index.js';
import { CHAT_STREAM } from '../chat-log.js';
import { compareCursors } from './cursor.js';

/** The event store reads realtime needs: where the log ends, and a cursor from a position. */
type EventPositions = Pick<EventStore, 'head' | 'cursorAt'>;
import { admitEvent } from './visibility.js';

/** What the server pushes: `position` is null for ephemeral frames (typing, presence). */
export interface OutgoingFrame {
  type: string;
  position: number | null;
  data: Record<string, unknown>;
}

/** The most a resume replays; further behind, the client is told to resync over REST. */
export const MAX_REPLAY_EVENTS = 10_000;

const REPLAY_PAGE = 500;

export type ResumeOutcome = 'ok' | 'unknown_position' | 'too_far_behind';

export type Session = ReturnType<typeof createSession>;

/**
 * One socket's view of the log. Every event reaches it through `offer`, live (from the
 * tailer) or replayed (after a `resume`), and is sent only if it lies after the session's
 * cursor, so replay and live overlap without duplicates and the socket sees the log in
 * order. While replaying, live events wait in a buffer and are offered after the replay.
 * Callers serialise `init` and `resume` (the gateway handles a socket's frames one by one).
 */
export function createSession(deps: {
  projectId: string;
  identity: string;
  conversations: Set<string>;
  start: EventCursor | null;
  send: (frame: OutgoingFrame) => void;
  events: EventStore;
  positions: EventPositions;
}) {
  let cursor = deps.start;
  /** Live events waiting while a replay runs (a new session starts in this state). */
  let buffer: StoredEvent[] | null = [];

  function offer(event: StoredEvent) {
    if (event.projectId !== deps.projectId) return;
    const at = { transactionId: event.transactionId, position: event.position };
    if (compareCursors(at, cursor) <= 0) return;
    cursor = at;
    if (!admitEvent(deps.conversations, deps.identity, event)) return;
    deps.send({ type: event.type, position: event.position, data: event.data });
  }

  /** Replays the project's log after `from` into `offer`, then flushes what came live meanwhile. */
  async function replayFrom(from: EventCursor | null): Promise<ResumeOutcome> {
    buffer ??= [];
    cursor = from;
    try {
      let replayed = 0;
      for (;;) {
        const page = await deps.events.readAll({
          after: cursor,
          limit: REPLAY_PAGE,
          projectId: deps.projectId,
          streamTypes: [CHAT_STREAM],
        });
        page.events.forEach(offer);
        replayed += page.events.length;
        if (page.events.length < REPLAY_PAGE) return 'ok';
        if (replayed >= MAX_REPLAY_EVENTS) return 'too_far_behind';
      }
    } finally {
      const waiting = buffer;
      buffer = null;
      waiting.forEach(offer);
    }
  }

  /**
   * Starts the session: its membership is loaded while live events wait in the buffer, then
   * the log since `start` is replayed over it, so a join or removal committed around the
   * load is applied in order either way.
   */
  async function init(loadConversations: () => Promise<string[]>) {
    for (const id of await loadConversations()) deps.conversations.add(id);
    await replayFrom(deps.start);
  }

  /**
   * Replays from the client's last position, then goes live. `unknown_position` or
   * `too_far_behind`: the client must reload over REST (the gateway moves it to the present).
   * Callers run one resume at a time per socket.
   */
  async function resume(position: number): Promise<ResumeOutcome> {
    const from = position === 0 ? null : await deps.positions.cursorAt(position);
    if (position !== 0 && !from) return 'unknown_position';
    if (compareCursors(from, cursor) >= 0) return 'ok';
    return replayFrom(from);
  }

  return {
    projectId: deps.projectId,
    identity: deps.identity,
    conversations: deps.conversations,
    /** A live event from the tailer. */
    deliver(event: StoredEvent) {
      if (buffer) buffer.push(event);
      else offer(event);
    },
    init,
    resume,
    position: () => cursor?.position ?? 0,
    /** Jumps to `at` without delivering what lies between (after a failed resume). */
    skipTo(at: EventCursor | null) {
      if (compareCursors(at, cursor) > 0) cursor = at;
    },
  };
}
