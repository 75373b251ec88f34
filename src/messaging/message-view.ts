import type { MessageRow } from './messages.store.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The message object of the API (API.md "Messages"), also the `data` of its webhooks. */
export function messageView(row: MessageRow) {
  return {
    id: row.id,
    direction: row.direction,
    to: row.to_addr,
    from: row.from_addr,
    body: row.body,
    status: row.status,
    encoding: row.encoding,
    segments: row.segments,
    num_media: row.num_media,
    error_code: row.error_code,
    error_message: row.error_message,
    connector: row.connector,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    sent_at: iso(row.sent_at),
    delivered_at: iso(row.delivered_at),
    send_at: iso(row.send_at),
  };
}

export type MessageView = ReturnType<typeof messageView>;

/**
 * The columns `messageView` shows that can change after the message is created (id,
 * direction, addresses, body, encoding, segments, media count and `created_at` never do). A
 * write that believes it knows the row checks these, so the event it builds without reading
 * is the row's (see the sender's `move`).
 */
export const CHANGING_VIEW_COLUMNS = [
  'status',
  'error_code',
  'error_message',
  'connector',
  'updated_at',
  'sent_at',
  'delivered_at',
  'send_at',
] as const satisfies ReadonlyArray<keyof MessageRow>;
