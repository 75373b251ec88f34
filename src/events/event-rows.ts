/** Events as stored and as read back: the row, its mapping and the columns every read selects. */

/** An event to append; `data` is the customer-visible payload where the event is public. */
export interface NewEvent {
  type: string;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

export interface StoredEvent {
  id: string;
  position: number;
  transactionId: string;
  projectId: string;
  streamType: string;
  streamId: string;
  streamVersion: number;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  createdAt: Date;
}

/**
 * Where a reader stopped: the (transaction id, position) of the last event it saw. Positions
 * are handed out before commit, so paging by position alone can skip an event that commits
 * late; paging by (xid8, position) below the oldest running transaction cannot.
 */
export interface EventCursor {
  transactionId: string;
  position: number;
}

export interface AppendInput {
  projectId: string;
  streamType: string;
  streamId: string;
  events: NewEvent[];
}

export interface EventRow {
  id: string;
  position: number;
  tx: string;
  project_id: string;
  stream_type: string;
  stream_id: string;
  stream_version: number;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  created_at: Date;
}

export function toEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    position: row.position,
    transactionId: row.tx,
    projectId: row.project_id,
    streamType: row.stream_type,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    createdAt: row.created_at,
  };
}

export const COLUMNS = [
  'id',
  'position',
  'transaction_id::text as tx',
  'project_id',
  'stream_type',
  'stream_id',
  'stream_version',
  'type',
  'data',
  'metadata',
  'created_at',
];
