import type { EventStore, StoredEvent } from '../events/index.js';
import type { Db, Trx } from '../platform/index.js';
import type { ScheduleWebhook } from '../webhooks/index.js';

/** Every chat event lives in the stream of its conversation. */
export const CHAT_STREAM = 'conversation';

/** Event types also sent to the customer's webhook (reads are too chatty to be webhooks). */
export const WEBHOOK_TYPES = new Set([
  'conversation.created',
  'conversation.updated',
  'conversation.archived',
  'conversation.member.joined',
  'conversation.member.left',
  'conversation.message.created',
  'conversation.message.updated',
  'conversation.message.deleted',
  'conversation.message.pinned',
  'conversation.message.unpinned',
  'conversation.reaction.added',
  'conversation.reaction.removed',
]);

/** One change to record: the public `data` and, for private events, who alone may see it. */
export interface ChatChange {
  type: string;
  data: Record<string, unknown>;
  /** When set, realtime shows the event only to this identity (private read receipts). */
  onlyFor?: string;
}

/** Records changes of one conversation inside the caller's transaction. */
export type RecordChanges = (
  conversation: { projectId: string; id: string },
  changes: ChatChange[],
) => Promise<StoredEvent[]>;

/**
 * Takes events the caller's own statement appended (to the stream of a conversation whose
 * lock it holds, see `appendMessageRows`): schedules their webhooks in the caller's
 * transaction and announces them after commit, as `RecordChanges` does for the events it appends.
 */
export type RecordAppended = (events: StoredEvent[]) => Promise<void>;

export type ChatLog = ReturnType<typeof createChatLog>;

/**
 * The single write path of chat: rows, their events and their webhooks in one transaction,
 * then, after commit, `announce` tells every API instance that events are waiting (the
 * realtime tailer reads them back from Postgres, so announcing is a latency hint, not a copy).
 */
export function createChatLog(deps: {
  db: Db;
  events: EventStore;
  scheduleWebhook: ScheduleWebhook;
  announce: (events: StoredEvent[]) => void;
}) {
  async function scheduleWebhooks(trx: Trx, stored: StoredEvent[]) {
    for (const event of stored) {
      if (!WEBHOOK_TYPES.has(event.type)) continue;
      await deps.scheduleWebhook(trx, {
        projectId: event.projectId,
        event: { id: event.id, type: event.type, createdAt: event.createdAt, data: event.data },
      });
    }
  }

  async function record(
    trx: Trx,
    conversation: { projectId: string; id: string },
    changes: ChatChange[],
  ) {
    const stored = await deps.events.append(trx, {
      projectId: conversation.projectId,
      streamType: CHAT_STREAM,
      streamId: conversation.id,
      events: changes.map((c) => ({
        type: c.type,
        data: c.data,
        metadata: c.onlyFor ? { only_for: c.onlyFor } : {},
      })),
    });
    await scheduleWebhooks(trx, stored);
    return stored;
  }

  /**
   * Runs `work` in a transaction with recorders bound to it (`record` appends the events,
   * `recordAppended` takes those the work appended itself); announces after commit.
   */
  async function commit<T>(
    work: (trx: Trx, record: RecordChanges, recordAppended: RecordAppended) => Promise<T>,
  ): Promise<T> {
    const stored: StoredEvent[] = [];
    const result = await deps.db.transaction(async (trx) =>
      work(
        trx,
        async (conversation, changes) => {
          const events = await record(trx, conversation, changes);
          stored.push(...events);
          return events;
        },
        async (events) => {
          await scheduleWebhooks(trx, events);
          stored.push(...events);
        },
      ),
    );
    if (stored.length > 0) deps.announce(stored);
    return result;
  }

  return {
    commit,
    /**
     * Whether new messages of these projects have webhooks to schedule (their projects have a
     * webhook URL); when none has, a message batch can commit in one round trip.
     */
    async messagesNeedWebhooks(projectIds: Iterable<string>): Promise<boolean> {
      if (!WEBHOOK_TYPES.has('conversation.message.created')) return false;
      for (const projectId of new Set(projectIds)) {
        if (await deps.scheduleWebhook.hasDestination(projectId)) return true;
      }
      return false;
    },
    /** Announces events a caller committed without `commit` (see `appendMessagesAlone`). */
    announce(events: StoredEvent[]): void {
      if (events.length > 0) deps.announce(events);
    },
  };
}
