import type { Outbox, OutboxEntry } from '../events/index.js';
import type { Clock, Db } from '../platform/index.js';
import type { ConnectorsStore } from './connectors.store.js';

export const INGRESS_QUEUE = 'ingress';
export const INGRESS_KINDS = ['dlr', 'mo', 'call-event'] as const;
export type IngressKind = (typeof INGRESS_KINDS)[number];

/** A verified provider event to store once per (connector, provider event id). */
export interface IngressEvent {
  connectorId: string;
  providerEventId: string;
  kind: IngressKind;
  payload: unknown;
}

interface Job {
  event: IngressEvent;
  receivedAt: Date;
  resolve(inserted: boolean): void;
  reject(err: unknown): void;
}

/** Most events written by one statement. */
const MAX_BATCH = 200;

export type IngressWriter = ReturnType<typeof createIngressWriter>;

/**
 * Stores provider events with group commit: an event that arrives while no write is running
 * is written at once; events that arrive meanwhile wait in memory and are then written
 * together, each event, its outbox row and the relay's wake-up in one statement (autocommit:
 * the rows are durable when it answers). Each caller learns whether its copy was the first;
 * a replay or concurrent copy (in another batch, another process, or this batch) inserts
 * nothing and schedules nothing. A failed batch wrote nothing and is retried one event at a
 * time, so only the event the database refuses fails (its provider retries).
 */
export function createIngressWriter(deps: {
  db: Db;
  store: ConnectorsStore;
  outbox: Outbox;
  clock: Clock;
}) {
  const waiting: Job[] = [];
  let writing = false;

  const keyOf = (e: IngressEvent) => `${e.connectorId}\n${e.providerEventId}`;

  async function write(batch: Job[]): Promise<void> {
    const entries = new Map<string, OutboxEntry>();
    for (const { event } of batch) {
      if (entries.has(keyOf(event))) continue;
      entries.set(keyOf(event), {
        projectId: null,
        queue: INGRESS_QUEUE,
        name: `ingress.${event.kind}`,
        payload: {
          connector_id: event.connectorId,
          provider_event_id: event.providerEventId,
          kind: event.kind,
        },
      });
    }
    try {
      const inserted = await deps.outbox.addForEachInserted(
        deps.db,
        deps.store.ingressInsertManySql(
          batch.map(({ event, receivedAt }) => ({
            connector_id: event.connectorId,
            provider_event_id: event.providerEventId,
            kind: event.kind,
            payload: event.payload,
            received_at: receivedAt,
          })),
        ),
        entries,
      );
      // Only the first copy of a key in the batch is the one that was stored.
      for (const job of batch) {
        const key = keyOf(job.event);
        job.resolve(inserted.delete(key));
      }
    } catch (err) {
      // One event the database refuses must not fail the others: alone, each learns its fate.
      if (batch.length === 1) return batch[0].reject(err);
      for (const job of batch) await write([job]);
    }
  }

  async function drain(): Promise<void> {
    writing = true;
    try {
      while (waiting.length > 0) await write(waiting.splice(0, MAX_BATCH));
    } finally {
      writing = false;
    }
  }

  return {
    /** Stores the event; resolves true for the first copy, false for a replay. */
    store(event: IngressEvent): Promise<boolean> {
      return new Promise((resolve, reject) => {
        waiting.push({ event, receivedAt: deps.clock.now(), resolve, reject });
        if (!writing) void drain();
      });
    },
  };
}
