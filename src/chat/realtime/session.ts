import type { EventCursor, EventStore, StoredEvent } from '../../events/index.js';
import { CHAT_STREAM } from '../chat-log.js';
import { compareCursors, type EventPositions } from './cursor.js';
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
 *
 * A new session does not go live at once: clients send `resume` right after connecting, so
 * the session holds live events until either a `resume` arrives (it then starts from the
 * client's position: one ordered stream, nothing missed, nothing twice) or the gateway calls
 * `begin` after a short window (it then starts where the log stood at connect). A `resume`
 * that comes after the session went live replays only the gap before the point where live
 * delivery began: no gap and no duplicate, though that gap arrives after newer events.
 * Callers serialise `init`, `begin` and `resume` (the gateway runs a socket's work in order).
 */
export function createSession(deps: {
  projectId: string;
  identity: string;
  conversations: Set<string>;
  start: EventCursor | null;
  /** Sends one event as its frame `{ type, position, data }`. */
  sendEvent: (event: StoredEvent) => void;
  /**
   * Told when the session starts (true) and stops (false) holding live events in its buffer:
   * while it does, it must be offered every live event of its project, not only those of its
   * conversations (a join may come first in the buffer). A new session starts buffering.
   */
  buffering?: (on: boolean) => void;
  events: EventStore;
  positions: EventPositions;
  /**
   * The session's conversations as of `at` (see membership.ts); null when that lies too far
   * behind to replay. A replay starts from it, so each event is judged by the membership of
   * its time, as on a socket connected all along.
   */
  membershipAt: (at: EventCursor) => Promise<Set<string> | null>;
  /** Replayed events with their messages as REST shows them now (see replay-view.ts). */
  replayView: (projectId: string, events: StoredEvent[]) => Promise<StoredEvent[]>;
}) {
  let cursor = deps.start;
  /** Live events waiting while a replay runs (a new session starts in this state). */
  let buffer: StoredEvent[] | null = [];
  /** Where live delivery began; null until the session has begun. */
  let liveFrom: { at: EventCursor | null } | null = null;

  function offer(event: StoredEvent) {
    if (event.projectId !== deps.projectId) return;
    const at = { transactionId: event.transactionId, position: event.position };
    if (compareCursors(at, cursor) <= 0) return;
    cursor = at;
    if (!admitEvent(deps.conversations, deps.identity, event)) return;
    deps.sendEvent(event);
  }

  function hold() {
    if (buffer) return;
    buffer = [];
    deps.buffering?.(true);
  }

  /** Offers what came live while the buffer held it, and goes back to live delivery. */
  function flush() {
    const waiting = buffer ?? [];
    buffer = null;
    deps.buffering?.(false);
    waiting.forEach(offer);
  }

  /** The conversations as of `at`: none before the log's first event. */
  const membershipAt = (at: EventCursor | null) =>
    at ? deps.membershipAt(at) : Promise.resolve(new Set<string>());

  /** Makes the session's own set (tied to the rooms) hold exactly `ids`. */
  function setConversations(ids: Set<string>) {
    for (const id of [...deps.conversations]) if (!ids.has(id)) deps.conversations.delete(id);
    for (const id of ids) deps.conversations.add(id);
  }

  /**
   * Replays the project's log after `from` into `offer`, then flushes what came live meanwhile.
   * The session's set starts as it stood at `from` and follows the replayed joins, removals
   * and archivings, so it is today's again when the replay reaches the present. Cut short
   * (too far behind), it goes back to the set loaded at connect, where live delivery goes on.
   */
  async function replayFrom(from: EventCursor | null): Promise<ResumeOutcome> {
    hold();
    cursor = from;
    const today = new Set(deps.conversations);
    let outcome: ResumeOutcome = 'too_far_behind';
    try {
      const then = await membershipAt(from);
      if (!then) return outcome;
      setConversations(then);
      let replayed = 0;
      for (;;) {
        const page = await deps.events.readAll({
          after: cursor,
          limit: REPLAY_PAGE,
          projectId: deps.projectId,
          streamTypes: [CHAT_STREAM],
        });
        (await deps.replayView(deps.projectId, page.events)).forEach(offer);
        replayed += page.events.length;
        if (page.events.length < REPLAY_PAGE) return (outcome = 'ok');
        if (replayed >= MAX_REPLAY_EVENTS) return outcome;
      }
    } finally {
      if (outcome !== 'ok') setConversations(today);
      flush();
    }
  }

  /** Goes live from `from`: replays the log after it, then flushes what came live meanwhile. */
  function startAt(from: EventCursor | null): Promise<ResumeOutcome> {
    liveFrom = { at: from };
    return replayFrom(from);
  }

  /**
   * Sends the events in (from, until] that the session skipped because it went live at
   * `until`, each judged by the membership of its time (as of `from`, then following the gap's
   * joins and removals). That membership is a copy, so replaying old joins and removals out
   * of order never changes what the socket receives from now on.
   */
  async function replayGap(
    from: EventCursor | null,
    until: EventCursor | null,
  ): Promise<ResumeOutcome> {
    hold();
    try {
      const members = await membershipAt(from);
      if (!members) return 'too_far_behind';
      let after = from;
      let replayed = 0;
      for (;;) {
        const page = await deps.events.readAll({
          after,
          limit: REPLAY_PAGE,
          projectId: deps.projectId,
          streamTypes: [CHAT_STREAM],
        });
        for (const event of await deps.replayView(deps.projectId, page.events)) {
          if (
            compareCursors(
              { transactionId: event.transactionId, position: event.position },
              until,
            ) > 0
          )
            return 'ok';
          if (admitEvent(members, deps.identity, event)) deps.sendEvent(event);
        }
        replayed += page.events.length;
        if (page.events.length < REPLAY_PAGE) return 'ok';
        if (replayed >= MAX_REPLAY_EVENTS) return 'too_far_behind';
        after = page.cursor;
      }
    } finally {
      flush();
    }
  }

  /** Loads the session's membership; live events wait in the buffer until it begins. */
  async function init(loadConversations: () => Promise<string[]>) {
    for (const id of await loadConversations()) deps.conversations.add(id);
  }

  /**
   * Begins live delivery from where the log stood at connect, unless a `resume` began it
   * already. The buffer holds every event of the project the tailer read since `start` (the
   * tailer's cursor when the socket opened), in log order, so offering it from `start` is
   * the replay of the log since then without reading it again: a join or removal committed
   * around the membership load is applied in order either way.
   */
  async function begin(): Promise<void> {
    if (liveFrom) return;
    liveFrom = { at: deps.start };
    cursor = deps.start;
    flush();
  }

  /**
   * Replays from the client's last position, then goes live. `unknown_position` or
   * `too_far_behind`: the client must reload over REST (the gateway moves it to the present).
   */
  async function resume(position: number): Promise<ResumeOutcome> {
    const from = position === 0 ? null : await deps.positions.cursorAt(position);
    if (position !== 0 && !from) {
      await begin();
      return 'unknown_position';
    }
    if (!liveFrom) return startAt(from);
    if (compareCursors(from, liveFrom.at) >= 0) return 'ok';
    return replayGap(from, liveFrom.at);
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
    begin,
    resume,
    position: () => cursor?.position ?? 0,
    /** Jumps to `at` without delivering what lies between (after a failed resume). */
    skipTo(at: EventCursor | null) {
      if (compareCursors(at, cursor) > 0) cursor = at;
    },
  };
}
