import type { Knex } from 'knex';
import type { Db } from '../platform/index.js';

export interface ConnectorRow {
  id: string;
  kind: 'smpp' | 'ari' | 'http';
  name: string;
  secret: string;
  allowed_cidrs: string[];
  settings: Record<string, unknown>;
  created_at: Date;
}

/** The only place knex touches connectors and ingress_events. */
export function createConnectorsStore(db: Db) {
  return {
    insert: (row: ConnectorRow) => db('connectors').insert(row),
    find: (id: string) => db<ConnectorRow>('connectors').where({ id }).first(),
    list: () => db<ConnectorRow>('connectors').orderBy('id', 'desc'),
    remove: (id: string) => db('connectors').where({ id }).delete(),

    /** Stores a provider event once; true only for the first copy (replays change nothing). */
    /** The INSERT of a provider event, unless one with its id exists, as SQL. */
    ingressInsertSql(row: {
      connector_id: string;
      provider_event_id: string;
      kind: string;
      payload: unknown;
      received_at: Date;
    }): { sql: string; bindings: Knex.Value[] } {
      return {
        sql: `insert into ingress_events (connector_id, provider_event_id, kind, payload, received_at)
              values (?, ?, ?, ?::jsonb, ?)
              on conflict (connector_id, provider_event_id) do nothing
              returning provider_event_id`,
        bindings: [
          row.connector_id,
          row.provider_event_id,
          row.kind,
          JSON.stringify(row.payload),
          row.received_at,
        ],
      };
    },

    findIngressEvent: (connectorId: string, providerEventId: string) =>
      db('ingress_events')
        .where({ connector_id: connectorId, provider_event_id: providerEventId })
        .first(),

    markProcessed: (connectorId: string, providerEventId: string, at: Date) =>
      db('ingress_events')
        .where({ connector_id: connectorId, provider_event_id: providerEventId })
        .update({ processed_at: at }),
  };
}

export type ConnectorsStore = ReturnType<typeof createConnectorsStore>;
