import type { StoredEvent } from '../../events/index.js';
import type { MessageRow } from '../messages.store.js';
import { messageView } from '../views.js';

/** Events whose `data` is a message as `messageView` shows it. */
const MESSAGE_EVENTS = new Set([
  'conversation.message.created',
  'conversation.message.updated',
  'conversation.message.deleted',
  'conversation.message.pinned',
  'conversation.message.unpinned',
]);

/** The message content an edit supersedes (an edit changes the body and its mentions). */
const EDITED_FIELDS = ['body', 'mentions', 'edited_at'] as const;

/** Messages edited or deleted among these ids, as they are now. */
export type ChangedMessages = (projectId: string, ids: string[]) => Promise<MessageRow[]>;

/**
 * Replayed events show their message's content as REST shows it now, never content REST no
 * longer shows: a message deleted since is its tombstone in every replayed event (body null,
 * no attachments, no mentions, no reactions), and a message edited since carries its current
 * text in the events from before the edit. The rest of an event (a pin's `pinned`, the
 * reactions of the time) stays what it was. Live events are sent as they are: they are the
 * current state. One read per page of replayed events.
 */
export function createReplayView(changedMessages: ChangedMessages) {
  return async function asShownNow(
    projectId: string,
    events: StoredEvent[],
  ): Promise<StoredEvent[]> {
    const ids = new Set<string>();
    for (const event of events) {
      if (MESSAGE_EVENTS.has(event.type) && typeof event.data.id === 'string')
        ids.add(event.data.id);
    }
    if (ids.size === 0) return events;
    const changed = new Map(
      (await changedMessages(projectId, [...ids])).map((row) => [row.id, row]),
    );
    if (changed.size === 0) return events;
    return events.map((event) => {
      const row = MESSAGE_EVENTS.has(event.type) ? changed.get(event.data.id as string) : undefined;
      return row ? { ...event, data: currentData(event.data, row) } : event;
    });
  };
}

function currentData(data: Record<string, unknown>, row: MessageRow): Record<string, unknown> {
  const now = messageView(row);
  if (now.deleted) return now;
  const current: Record<string, unknown> = { ...data };
  for (const field of EDITED_FIELDS) current[field] = now[field];
  return current;
}
