import {
  insertRowSql,
  updateRowSql,
  type Db,
  type SqlFragment,
  type Trx,
} from '../platform/index.js';
import type { MessageStatus, PartStatus } from './status.js';

export interface MessageRow {
  id: string;
  project_id: string;
  direction: 'outbound' | 'inbound';
  to_addr: string;
  from_addr: string;
  body: string;
  status: MessageStatus;
  encoding: string;
  segments: number;
  num_media: number;
  error_code: string | null;
  error_message: string | null;
  connector: string | null;
  status_callback: string | null;
  validity_period: number | null;
  send_at: Date | null;
  expires_at: Date | null;
  udh_reference: number;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
  delivered_at: Date | null;
}

export interface PartRow {
  message_id: string;
  part: number;
  connector_id: string;
  smsc_id: string;
  status: PartStatus;
  error_code: string | null;
}

/**
 * Of `parts`, the one an SMSC id (any of its spellings in `smscIds`) belongs to, or null;
 * `connectorId` null matches any connector.
 */
export function partOf(
  parts: readonly PartRow[],
  lookup: { connectorId: string | null; smscIds: readonly string[] },
): PartRow | null {
  return (
    parts.find(
      (p) =>
        lookup.smscIds.includes(p.smsc_id) &&
        (lookup.connectorId === null || p.connector_id === lookup.connectorId),
    ) ?? null
  );
}

export interface MessageFilters {
  status?: string;
  direction?: string;
  to?: string;
  from?: string;
  created_after?: string;
  created_before?: string;
}

/** The only place knex touches messages, message_parts, early_receipts, opt_outs and unrouted_messages. */
export function createMessagesStore(db: Db) {
  return {
    insert: (trx: Trx, row: MessageRow) => trx('messages').insert(row),
    /**
     * The INSERT of a new message as SQL returning its id (for a CTE of `POST /v1/messages`); with
     * `unlessOptedOut`, nothing is inserted when the recipient opted out of the sender, so the
     * consent check and the write are one statement.
     */
    insertSql(row: MessageRow, options: { unlessOptedOut: boolean }): SqlFragment {
      const optedOut = `exists (select 1 from opt_outs o
                                where o.project_id = r.project_id and o.number = r.from_addr
                                  and o.recipient = r.to_addr)`;
      return insertRowSql('messages', row, {
        where: options.unlessOptedOut ? { sql: `not ${optedOut}`, bindings: [] } : undefined,
        returning: 'id',
      });
    },
    find: (id: string) => db<MessageRow>('messages').where({ id }).first(),
    /** Several messages by id, in one statement (order not guaranteed). */
    findMany: (ids: readonly string[]) =>
      db<MessageRow>('messages').whereIn('id', ids as string[]) as Promise<MessageRow[]>,
    findForProject: (projectId: string, id: string) =>
      db<MessageRow>('messages').where({ project_id: projectId, id }).first(),
    /** Locks the message row for a status change (the event store relies on it). */
    lock: (trx: Trx, id: string) => trx<MessageRow>('messages').where({ id }).forUpdate().first(),
    /** Locks several message rows, in id order (so two lockers never wait on each other). */
    lockMany: (trx: Trx, ids: readonly string[]) =>
      trx<MessageRow>('messages')
        .whereIn('id', ids as string[])
        .orderBy('id')
        .forUpdate() as Promise<MessageRow[]>,
    update: (trx: Trx, id: string, patch: Partial<MessageRow>) =>
      trx('messages').where({ id }).update(patch),
    /**
     * The UPDATE of `patch` as SQL for a caller's statement, returning the id; with `expected`,
     * applied only while each of those columns still holds its value (an optimistic write).
     */
    updateSql: (
      id: string,
      patch: Partial<MessageRow>,
      expected: Partial<MessageRow> = {},
    ): SqlFragment => updateRowSql('messages', id, patch, expected),
    /**
     * Applies `patch` only while the message is in one of `from` (the statuses the status
     * machine lets it leave for the new one): the check and the write in one statement, the row
     * locked until the caller's transaction ends. The updated row, or undefined.
     */
    async updateFrom(
      trx: Trx,
      id: string,
      from: readonly string[],
      patch: Partial<MessageRow>,
    ): Promise<MessageRow | undefined> {
      const [row] = await trx<MessageRow>('messages')
        .where({ id })
        .whereIn('status', from as string[])
        .update(patch)
        .returning('*');
      return row as MessageRow | undefined;
    },

    /**
     * Moves several messages to `sent` (with their connector and sent time) where each is still
     * in one of `from`, locking them in id order first; the updated rows.
     */
    async markSentMany(
      trx: Trx,
      rows: ReadonlyArray<{ id: string; connector: string; sent_at: Date; updated_at: Date }>,
      from: readonly string[],
    ): Promise<MessageRow[]> {
      const { rows: updated } = await trx.raw<{ rows: MessageRow[] }>(
        `with input as (
           select * from jsonb_to_recordset(?::jsonb)
             as r(id text, connector text, sent_at timestamptz, updated_at timestamptz)
         ),
         locked as (
           select m.id from messages m
            where m.id in (select id from input) and m.status = any(?::text[])
            order by m.id
            for update
         )
         update messages m
            set status = 'sent', connector = i.connector, sent_at = i.sent_at,
                updated_at = i.updated_at
           from input i, locked l
          where m.id = i.id and l.id = i.id
         returning m.*`,
        [JSON.stringify(rows), [...from]],
      );
      return updated;
    },

    listQuery(projectId: string, f: MessageFilters) {
      const q = db<MessageRow>('messages').where({ project_id: projectId });
      if (f.status) q.where('status', f.status);
      if (f.direction) q.where('direction', f.direction);
      if (f.to) q.where('to_addr', f.to);
      if (f.from) q.where('from_addr', f.from);
      if (f.created_after) q.where('created_at', '>=', new Date(f.created_after));
      if (f.created_before) q.where('created_at', '<', new Date(f.created_before));
      return q;
    },

    parts: (messageId: string, trx: Db | Trx = db) =>
      trx<PartRow>('message_parts').where({ message_id: messageId }).orderBy('part'),
    /** The parts of several messages, in part order, by message id. */
    async partsByMessage(
      messageIds: readonly string[],
      trx: Db | Trx = db,
    ): Promise<Map<string, PartRow[]>> {
      const rows: PartRow[] = await trx<PartRow>('message_parts')
        .whereIn('message_id', messageIds as string[])
        .orderBy(['message_id', 'part']);
      const parts = new Map<string, PartRow[]>();
      for (const part of rows) {
        parts.set(part.message_id, [...(parts.get(part.message_id) ?? []), part]);
      }
      return parts;
    },
    insertPart: (row: PartRow & { updated_at: Date }) =>
      db('message_parts').insert(row).onConflict(['message_id', 'part']).ignore(),
    /**
     * Records submitted parts and takes the receipts that arrived for each before it was
     * recorded (under any spelling of its SMSC id), in one statement; the receipts taken, per
     * part in input order.
     */
    async insertPartsTakingEarly(
      parts: ReadonlyArray<{ row: PartRow & { updated_at: Date }; smscIds: string[] }>,
    ): Promise<Array<Array<{ receipt: unknown }>>> {
      const rows = parts.map(({ row }, n) => ({ ...row, n }));
      const keys = parts.flatMap(({ row, smscIds }, n) =>
        [...new Set([row.smsc_id, ...smscIds])].map((smsc_id) => ({
          n,
          connector_id: row.connector_id,
          smsc_id,
        })),
      );
      const { rows: taken } = await db.raw<{ rows: Array<{ n: number; receipt: unknown }> }>(
        `with part as (
           insert into message_parts
             (message_id, part, connector_id, smsc_id, status, error_code, updated_at)
           select message_id, part, connector_id, smsc_id, status, error_code, updated_at
             from jsonb_to_recordset(?::jsonb) as r(
               message_id text, part int, connector_id text, smsc_id text, status text,
               error_code text, updated_at timestamptz)
           on conflict (message_id, part) do nothing
         ),
         keys as (
           select * from jsonb_to_recordset(?::jsonb) as k(n int, connector_id text, smsc_id text)
         )
         delete from early_receipts e
          using keys k
          where e.connector_id = k.connector_id and e.smsc_id = k.smsc_id
         returning k.n, e.receipt`,
        [JSON.stringify(rows), JSON.stringify(keys)],
      );
      return parts.map((_, n) =>
        taken.filter((t) => t.n === n).map(({ receipt }) => ({ receipt })),
      );
    },
    /**
     * For each lookup, the part its SMSC id (any of its spellings) belongs to, or null; one
     * statement for them all. `connectorId` null searches every connector.
     */
    async findParts(
      lookups: ReadonlyArray<{ connectorId: string | null; smscIds: string[] }>,
    ): Promise<Array<PartRow | null>> {
      const rows = await db<PartRow>('message_parts').whereIn(
        'smsc_id',
        lookups.flatMap((l) => l.smscIds),
      );
      return lookups.map((l) => partOf(rows, l));
    },
    /** The UPDATE of one part, as SQL for a caller's statement. */
    updatePartSql(
      messageId: string,
      part: number,
      patch: Pick<PartRow, 'status' | 'error_code'> & { updated_at: Date },
    ): SqlFragment {
      return {
        sql: `update message_parts set status = ?, error_code = ?, updated_at = ?
               where message_id = ? and part = ?`,
        bindings: [patch.status, patch.error_code, patch.updated_at, messageId, part],
      };
    },

    saveEarlyReceipt: (row: {
      connector_id: string;
      smsc_id: string;
      receipt: unknown;
      received_at: Date;
    }) =>
      db('early_receipts')
        .insert({ ...row, receipt: JSON.stringify(row.receipt) })
        .onConflict(['connector_id', 'smsc_id'])
        .merge(),
    /**
     * Takes (and deletes) the receipts kept for any of these (connector, SMSC id) pairs before
     * their part was recorded; in `trx` when given.
     */
    async takeEarlyReceipts(
      keys: ReadonlyArray<{ connector_id: string; smsc_id: string }>,
      trx: Db | Trx = db,
    ): Promise<Array<{ receipt: unknown }>> {
      if (keys.length === 0) return [];
      const { rows } = await trx.raw<{ rows: Array<{ receipt: unknown }> }>(
        `delete from early_receipts e
          using jsonb_to_recordset(?::jsonb) as k(connector_id text, smsc_id text)
          where e.connector_id = k.connector_id and e.smsc_id = k.smsc_id
         returning e.receipt`,
        [JSON.stringify(keys)],
      );
      return rows;
    },
    pruneEarlyReceipts: (before: Date) =>
      db('early_receipts').where('received_at', '<', before).delete(),

    optOut: (
      trx: Trx,
      row: { project_id: string; number: string; recipient: string; created_at: Date },
    ) => trx('opt_outs').insert(row).onConflict(['project_id', 'number', 'recipient']).ignore(),
    optIn: (trx: Trx, projectId: string, number: string, recipient: string) =>
      trx('opt_outs').where({ project_id: projectId, number, recipient }).delete(),

    insertUnrouted: (row: {
      id: string;
      connector_id: string;
      from_addr: string;
      to_addr: string;
      body: string;
      received_at: Date;
    }) => db('unrouted_messages').insert(row),
  };
}

export type MessagesStore = ReturnType<typeof createMessagesStore>;
