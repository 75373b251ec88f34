import type { Db, SqlFragment } from '../platform/index.js';

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
    /** Every connector, for `paginate` (newest first). */
    listQuery: () => db<ConnectorRow>('connectors'),
    remove: (id: string) => db('connectors').where({ id }).delete(),

    /**
     * The INSERT of many provider events, each unless one with its id exists, as SQL that
     * returns the key (`connector_id` newline `provider_event_id`) of every row it inserted.
     */
    ingressInsertManySql(
      rows: {
        connector_id: string;
        provider_event_id: string;
        kind: string;
        payload: unknown;
        received_at: Date;
      }[],
    ): SqlFragment {
      return {
        sql: `insert into ingress_events (connector_id, provider_event_id, kind, payload, received_at)
              select r.connector_id, r.provider_event_id, r.kind, r.payload, r.received_at
                from jsonb_to_recordset(?::jsonb) as r(
                       n int, connector_id text, provider_event_id text, kind text,
                       payload jsonb, received_at timestamptz)
               order by r.n
              on conflict (connector_id, provider_event_id) do nothing
              returning connector_id || chr(10) || provider_event_id as key`,
        bindings: [
          JSON.stringify(
            rows.map((row, n) => ({ n, ...row, received_at: row.received_at.toISOString() })),
          ),
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
