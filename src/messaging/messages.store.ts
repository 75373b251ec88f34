import { batchKeys, parseInstant, type Db, type SqlFragment, type Trx } from '../platform/index.js';
import { CHANGING_VIEW_COLUMNS } from './message-view.js';
import { createPartsStore } from './message-parts.store.js';
import type { MessageStatus } from './status.js';

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
  /** When the send dispatcher next takes the message up (null: nothing left to send). */
  next_attempt_at: Date | null;
  /** Tries that ended in a transient failure, for the back-off. */
  send_attempts: number;
  /** An automatic answer to STOP, START or HELP: sent whatever the recipient's consent. */
  consent_exempt: boolean;
}

/** Send dispatchers LISTEN here; a saved message NOTIFYs (sent on commit). */
export const SMS_CHANNEL = 'trunkline_sms';

/** Every column of a message, as `MessageRow` has them (a new message sets them all). */
const MESSAGE_COLUMNS = [
  'id',
  'project_id',
  'direction',
  'to_addr',
  'from_addr',
  'body',
  'status',
  'encoding',
  'segments',
  'num_media',
  'error_code',
  'error_message',
  'connector',
  'status_callback',
  'validity_period',
  'send_at',
  'expires_at',
  'udh_reference',
  'created_at',
  'updated_at',
  'sent_at',
  'delivered_at',
  'next_attempt_at',
  'send_attempts',
  'consent_exempt',
] as const satisfies ReadonlyArray<keyof MessageRow>;

export interface MessageFilters {
  status?: string;
  direction?: string;
  to?: string;
  from?: string;
  created_after?: string;
  created_before?: string;
}

/**
 * SQL: whether the recipient of the message row `m` has opted out of its sender. Checked when
 * a message is saved, and again by every send claim (a STOP may arrive while a message waits
 * for its scheduled time or for a retry), for messages that are not `consent_exempt`.
 */
export function optedOutSql(m: string): string {
  return `exists (select 1 from opt_outs o
                   where o.project_id = ${m}.project_id and o.number = ${m}.from_addr
                     and o.recipient = ${m}.to_addr)`;
}

/**
 * The only place knex touches messages (but for the send dispatcher's claims,
 * `send-claims.store.ts`), opt_outs and unrouted_messages; with the queries of message_parts
 * and early_receipts (`message-parts.store.ts`), so one store serves the messaging feature.
 */
export function createMessagesStore(db: Db) {
  return {
    ...createPartsStore(db),
    insert: (trx: Trx, row: MessageRow) => trx('messages').insert(row),
    /**
     * The INSERT of new messages as SQL returning the ids it inserted (for a CTE of
     * `POST /v1/messages`): a row that is not `consent_exempt` is inserted only if its
     * recipient has not opted out of its sender, so the consent checks and the writes are one
     * statement. One text for any number of rows.
     */
    insertManySql(rows: readonly MessageRow[]): SqlFragment {
      const columns = MESSAGE_COLUMNS.join(', ');
      return {
        sql: `insert into messages (${columns})
              select ${MESSAGE_COLUMNS.map((c) => `m.${c}`).join(', ')}
                from jsonb_populate_recordset(null::messages, ?::jsonb) m
               where m.consent_exempt or not ${optedOutSql('m')}
              returning id`,
        bindings: [JSON.stringify(rows)],
      };
    },
    find: (id: string) => db<MessageRow>('messages').where({ id }).first(),
    findForProject: (projectId: string, id: string) =>
      db<MessageRow>('messages').where({ project_id: projectId, id }).first(),
    /** Locks the message row for a status change (the event store relies on it). */
    lock: (trx: Trx, id: string) => trx<MessageRow>('messages').where({ id }).forUpdate().first(),
    /** Locks several message rows, in id order (so two lockers never wait on each other). */
    lockMany: (trx: Trx, ids: readonly string[]) =>
      trx<MessageRow>('messages')
        .whereRaw('id = any(?::text[])', [[...ids]])
        .orderBy('id')
        .forUpdate() as Promise<MessageRow[]>,
    update: (trx: Trx, id: string, patch: Partial<MessageRow>) =>
      trx('messages').where({ id }).update(patch),
    /**
     * The UPDATE of several locked messages to the given rows (the caller read them under its
     * lock and changed them), as SQL for a caller's statement: every column that changes after
     * creation is written from the row. One text for any number of rows.
     */
    updateManySql: (rows: readonly MessageRow[]): SqlFragment => ({
      sql: `update messages m
               set ${CHANGING_VIEW_COLUMNS.map((c) => `${c} = r.${c}`).join(', ')}
              from jsonb_populate_recordset(null::messages, ?::jsonb) r
             where m.id = r.id and ${batchKeys('m.id')}
            returning m.id`,
      bindings: [JSON.stringify(rows), rows.map((r) => r.id)],
    }),
    /**
     * Optimistic moves as SQL for a caller's statement: each message becomes its `next` row only
     * while every column that changes after creation still holds its `known` value (a caller
     * that read the row and did not lock it); returns the ids it moved. One text for any
     * number of moves.
     */
    moveManySql: (moves: ReadonlyArray<{ known: MessageRow; next: MessageRow }>): SqlFragment => ({
      sql: `update messages m
               set ${CHANGING_VIEW_COLUMNS.map((c) => `${c} = n.${c}`).join(', ')}
              from jsonb_to_recordset(?::jsonb) as r(known jsonb, next jsonb)
                   cross join lateral jsonb_populate_record(null::messages, r.known) k
                   cross join lateral jsonb_populate_record(null::messages, r.next) n
             where m.id = k.id and n.id = k.id and ${batchKeys('m.id')}
               and ${CHANGING_VIEW_COLUMNS.map((c) => `m.${c} is not distinct from k.${c}`).join(' and ')}
            returning m.id`,
      bindings: [JSON.stringify(moves), moves.map((m) => m.known.id)],
    }),

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
     * in one of `from`, locking them in id order first, and ends their sending (nothing more
     * is due); the updated rows.
     */
    async markSentMany(
      trx: Trx,
      rows: ReadonlyArray<{ id: string; connector: string; sent_at: Date; updated_at: Date }>,
      from: readonly string[],
    ): Promise<MessageRow[]> {
      const ids = rows.map((r) => r.id);
      const { rows: updated } = await trx.raw<{ rows: MessageRow[] }>(
        `with input as (
           select * from jsonb_to_recordset(?::jsonb)
             as r(id text, connector text, sent_at timestamptz, updated_at timestamptz)
         ),
         locked as (
           select m.id from messages m
            where ${batchKeys('m.id')} and m.status = any(?::text[])
            order by m.id
            for update
         )
         update messages m
            set status = 'sent', connector = i.connector, sent_at = i.sent_at,
                updated_at = i.updated_at, next_attempt_at = null
           from input i, locked l
          where m.id = i.id and l.id = i.id and ${batchKeys('m.id')}
         returning m.*`,
        [JSON.stringify(rows), ids, [...from], ids],
      );
      return updated;
    },

    listQuery(projectId: string, f: MessageFilters) {
      const q = db<MessageRow>('messages').where({ project_id: projectId });
      if (f.status) q.where('status', f.status);
      if (f.direction) q.where('direction', f.direction);
      if (f.to) q.where('to_addr', f.to);
      if (f.from) q.where('from_addr', f.from);
      if (f.created_after) q.where('created_at', '>=', parseInstant(f.created_after));
      if (f.created_before) q.where('created_at', '<', parseInstant(f.created_before));
      return q;
    },

    optOut: (
      trx: Trx,
      row: { project_id: string; number: string; recipient: string; created_at: Date },
    ) => trx('opt_outs').insert(row).onConflict(['project_id', 'number', 'recipient']).ignore(),
    optIn: (trx: Trx, projectId: string, number: string, recipient: string) =>
      trx('opt_outs').where({ project_id: projectId, number, recipient }).delete(),

    insertUnrouted: (
      row: {
        id: string;
        connector_id: string;
        from_addr: string;
        to_addr: string;
        body: string;
        received_at: Date;
      },
      trx: Db | Trx = db,
    ) => trx('unrouted_messages').insert(row),
  };
}

export type MessagesStore = ReturnType<typeof createMessagesStore>;
