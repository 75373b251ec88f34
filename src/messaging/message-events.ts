import type { EventStore } from '../events/index.js';
import type { Trx } from '../platform/index.js';
import type { ScheduleWebhook } from '../webhooks/index.js';
import { messageView } from './message-view.js';
import type { MessageRow } from './messages.store.js';

/** Status changes that customers see as webhooks (API.md "Webhooks to your app"). */
const PUBLIC = new Set([
  'queued',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'canceled',
  'received',
]);

/**
 * Records what happened to a message in the caller's transaction: always an event in the
 * message's stream; for a public status change also a webhook to the message's
 * `status_callback`, else the number's `sms_url`, else the project's URL.
 */
/** One event of a message's stream: the message as it is after the event, and extra data. */
export interface MessageEventEntry {
  message: MessageRow;
  type: string;
  extra?: Record<string, unknown>;
}

export function createMessageEvents(deps: {
  events: EventStore;
  scheduleWebhook: ScheduleWebhook;
  numberUrl(trx: Trx, projectId: string, number: string): Promise<string | null>;
}) {
  /** Several events of one message, appended in one statement, then their webhooks. */
  async function recordMany(trx: Trx, entries: MessageEventEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const { message: first } = entries[0];
    const stored = await deps.events.append(trx, {
      projectId: first.project_id,
      streamType: 'message',
      streamId: first.id,
      events: entries.map(({ message, type, extra }) => ({
        type,
        data: { ...messageView(message), ...extra },
      })),
    });
    for (const [i, { message, type }] of entries.entries()) {
      const status = type.startsWith('message.') ? type.slice('message.'.length) : '';
      if (!PUBLIC.has(status)) continue;
      const event = stored[i];
      const ownNumber = message.direction === 'outbound' ? message.from_addr : message.to_addr;
      // The number's URL matters only without a status_callback, and only real numbers have one.
      const numberUrl =
        message.status_callback || !ownNumber.startsWith('+')
          ? null
          : await deps.numberUrl(trx, message.project_id, ownNumber);
      await deps.scheduleWebhook(trx, {
        projectId: message.project_id,
        event: { id: event.id, type, createdAt: event.createdAt, data: messageView(message) },
        urls: [message.status_callback, numberUrl],
      });
    }
  }

  const recordMessageEvent = (
    trx: Trx,
    message: MessageRow,
    type: string,
    extra: Record<string, unknown> = {},
  ): Promise<void> => recordMany(trx, [{ message, type, extra }]);
  return Object.assign(recordMessageEvent, { many: recordMany });
}

export type RecordMessageEvent = ReturnType<typeof createMessageEvents>;
