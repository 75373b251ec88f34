export { createEventStore } from './event-store.js';
export { appendRowsSql, isStreamConflict, storedEventOf } from './event-store.js';
export type {
  EventRowsSql,
  EventStore,
  NewEvent,
  PlannedEvent,
  StoredEvent,
  EventCursor,
  AppendInput,
} from './event-store.js';
export { createOutbox, OUTBOX_CHANNEL } from './outbox.js';
export type { Outbox, OutboxEntry, OutboxJobOptions } from './outbox.js';
export { createOutboxRelay } from './relay.js';
export type { OutboxRelay, RelayOptions } from './relay.js';
export { createOutboxFinisher } from './finish.js';
