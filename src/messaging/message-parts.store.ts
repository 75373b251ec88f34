import { batchKeys, type Db, type SqlFragment, type Trx } from '../platform/index.js';
import type { PartStatus } from './status.js';
import type { ReceiptInput } from './receipts.js';

export interface PartRow {
  message_id: string;
  part: number;
  connector_id: string;
  smsc_id: string;
  status: PartStatus;
  error_code: string | null;
  /** When the part was recorded (its submit) or last changed; absent on rows being built. */
  updated_at?: Date;
}

/**
 * Where a receipt's part is looked for: the spellings of its SMSC id, in order, and the binds
 * of the SMSC account it came from (null: any connector, for ingress receipts).
 */
export interface PartLookup {
  connectorIds: readonly string[] | null;
  smscIds: readonly string[];
}

/**
 * Of `parts`, those an SMSC id belongs to (every part of one message that holds it: an SMSC
 * may give all the parts of a message one id), or none: the spellings in `smscIds` are tried
 * in their order, so the id as the receipt gave it wins over its hex or decimal reading (ids
 * 10 and 16 of two messages: a receipt for 10 went to the message of 16, read as hex).
 */
export function partsOf(parts: readonly PartRow[], lookup: PartLookup): PartRow[] {
  for (const smscId of lookup.smscIds) {
    const held = parts.filter(
      (p) =>
        p.smsc_id === smscId &&
        (lookup.connectorIds === null || lookup.connectorIds.includes(p.connector_id)),
    );
    if (held.length > 0) return held.filter((p) => p.message_id === held[0].message_id);
  }
  return [];
}

/**
 * The rows to insert for submitted parts recorded together: when parts of several messages
 * share an SMSC id on one SMSC account (`binds[0]` names it), the last of them keeps it and
 * the others get the `~reused` suffix, as an older holder recorded before would. Parts of one
 * message sharing an id all keep it.
 */
function withReusedIdsMarked<T extends PartRow & { binds: readonly string[] }>(
  rows: readonly T[],
): T[] {
  const holder = new Map<string, string>();
  for (const row of rows) holder.set(`${row.binds[0]}|${row.smsc_id}`, row.message_id);
  return rows.map((row) =>
    holder.get(`${row.binds[0]}|${row.smsc_id}`) === row.message_id
      ? row
      : { ...row, smsc_id: `${row.smsc_id}~reused-${row.message_id}-${row.part}` },
  );
}

/**
 * The only place knex touches message_parts and early_receipts: each submitted part with its
 * SMSC id and status, and the receipts that arrived before their part was recorded.
 */
export function createPartsStore(db: Db) {
  return {
    parts: (messageId: string, trx: Db | Trx = db) =>
      trx<PartRow>('message_parts').where({ message_id: messageId }).orderBy('part'),
    /** The parts of several messages, in part order, by message id. */
    async partsByMessage(
      messageIds: readonly string[],
      trx: Db | Trx = db,
    ): Promise<Map<string, PartRow[]>> {
      const rows: PartRow[] = await trx<PartRow>('message_parts')
        .whereRaw('message_id = any(?::text[])', [[...messageIds]])
        .orderBy(['message_id', 'part']);
      const parts = new Map<string, PartRow[]>();
      for (const part of rows) {
        const own = parts.get(part.message_id);
        if (own) own.push(part);
        else parts.set(part.message_id, [part]);
      }
      return parts;
    },
    insertPart: (row: PartRow & { updated_at: Date }) =>
      db('message_parts').insert(row).onConflict(['message_id', 'part']).ignore(),
    /**
     * Records submitted parts and takes the receipts that arrived for each before it was
     * recorded (under the given spellings of its SMSC id, kept under the bind naming its SMSC
     * account, `binds[0]`), in one statement; the receipts taken, per part in input order.
     *
     * An SMSC may hand out an id again (a restarted one whose counter started over). The id
     * then belongs to the new part's message: the parts of other messages that held it keep
     * it with a `~reused` suffix, so receipts for that id find the new part. (The unique index
     * made the insert fail instead, and the send was retried, submitting the message again,
     * 7–24 times.) Parts of one message that share an id all keep it: renamed, the earlier
     * parts of a message whose SMSC gives all its parts one id never got their receipts.
     */
    async insertPartsTakingEarly(
      parts: ReadonlyArray<{
        row: PartRow & { updated_at: Date };
        smscIds: string[];
        /** The binds of the part's SMSC account (see `bindsByAccount`), the naming one first. */
        binds: readonly string[];
      }>,
    ): Promise<Array<Array<{ receipt: unknown }>>> {
      const rows = withReusedIdsMarked(parts.map(({ row, binds }, n) => ({ ...row, binds, n })));
      const keys = parts.flatMap(({ row, smscIds, binds }, n) =>
        [...new Set([row.smsc_id, ...smscIds])].map((smsc_id) => ({
          n,
          connector_id: binds[0],
          smsc_id,
        })),
      );
      const { rows: taken } = await db.raw<{ rows: Array<{ n: number; receipt: unknown }> }>(
        `with input as (
           select * from jsonb_to_recordset(?::jsonb) as r(
             message_id text, part int, connector_id text, smsc_id text, status text,
             error_code text, updated_at timestamptz, binds text[])
         ),
         reused as (
           update message_parts p
              set smsc_id = p.smsc_id || '~reused-' || p.message_id || '-' || p.part
             from input i
            where p.connector_id = any(i.binds) and p.smsc_id = i.smsc_id
              and p.message_id <> i.message_id
              and ${batchKeys('p.smsc_id')}
           returning p.message_id
         ),
         part as (
           insert into message_parts
             (message_id, part, connector_id, smsc_id, status, error_code, updated_at)
           select message_id, part, connector_id, smsc_id, status, error_code, updated_at
             from input
            where (select count(*) from reused) >= 0 -- after the update: it frees the ids
           on conflict (message_id, part) do nothing
         ),
         keys as (
           select * from jsonb_to_recordset(?::jsonb) as k(n int, connector_id text, smsc_id text)
         )
         delete from early_receipts e
          using keys k
          where e.connector_id = k.connector_id and e.smsc_id = k.smsc_id
         returning k.n, e.receipt`,
        [JSON.stringify(rows), rows.map((r) => r.smsc_id), JSON.stringify(keys)],
      );
      return parts.map((_, n) =>
        taken.filter((t) => t.n === n).map(({ receipt }) => ({ receipt })),
      );
    },
    /**
     * For each lookup, the parts its SMSC id (any of its spellings) belongs to (see `partsOf`),
     * or none; one statement for them all.
     */
    async findParts(lookups: readonly PartLookup[]): Promise<PartRow[][]> {
      const rows = await db<PartRow>('message_parts').whereRaw('smsc_id = any(?::text[])', [
        lookups.flatMap((l) => l.smscIds),
      ]);
      return lookups.map((l) => partsOf(rows, l));
    },
    /** The UPDATE of several parts, as SQL for a caller's statement (one text for any number). */
    updatePartsSql(
      parts: ReadonlyArray<
        Pick<PartRow, 'message_id' | 'part' | 'status' | 'error_code'> & { updated_at: Date }
      >,
    ): SqlFragment {
      return {
        sql: `update message_parts p
                 set status = r.status, error_code = r.error_code, updated_at = r.updated_at
                from jsonb_to_recordset(?::jsonb) as r(
                       message_id text, part int, status text, error_code text,
                       updated_at timestamptz)
               where p.message_id = r.message_id and p.part = r.part
                 and ${batchKeys('p.message_id')}
              returning p.part`,
        bindings: [JSON.stringify(parts), parts.map((p) => p.message_id)],
      };
    },
    /**
     * Keeps a receipt whose part is not recorded yet, one per SMSC id: a later receipt
     * replaces it, except that a pending one (ACCEPTD, ENROUTE) never replaces a final one.
     * An SMSC that sent DELIVRD then ENROUTE before its submit_sm_resp left the message
     * `sent` for ever.
     */
    saveEarlyReceipt: (row: {
      connector_id: string;
      smsc_id: string;
      receipt: ReceiptInput;
      received_at: Date;
    }) =>
      db.raw(
        `insert into early_receipts (connector_id, smsc_id, receipt, received_at)
         values (?, ?, ?::jsonb, ?)
         on conflict (connector_id, smsc_id) do update
            set receipt = excluded.receipt, received_at = excluded.received_at
          where excluded.receipt->>'outcome' <> 'pending'
             or early_receipts.receipt->>'outcome' = 'pending'`,
        [row.connector_id, row.smsc_id, JSON.stringify(row.receipt), row.received_at],
      ),
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
    /**
     * Receipts kept since before `before` whose id could be a number spelt in another base
     * (hex digits, at most 20), the newest first.
     */
    waitingEarlyReceipts: (since: Date, before: Date, limit: number) =>
      db<{ connector_id: string; smsc_id: string; received_at: Date }>('early_receipts')
        .select('connector_id', 'smsc_id', 'received_at')
        .where('received_at', '<', before)
        .where('received_at', '>=', since)
        .whereRaw("smsc_id ~ '^[0-9a-f]{1,20}$'")
        .orderBy('received_at', 'desc')
        .limit(limit),
    pruneEarlyReceipts: (before: Date) =>
      db('early_receipts').where('received_at', '<', before).delete(),
  };
}
