import type { Db, Trx } from '../../platform/index.js';
import { groupIdOf, type MoPart } from './reassembly.js';

interface PartRow {
  group_key: string;
  sequence: number;
  sender_key: string;
  reference: number;
  total: number;
  data_coding: number;
  payload: Buffer;
  received_at: Date;
}

function partOf(row: PartRow): MoPart {
  return {
    key: row.sender_key,
    reference: row.reference,
    total: row.total,
    sequence: row.sequence,
    dataCoding: row.data_coding,
    payload: row.payload,
    receivedAt: row.received_at,
  };
}

/**
 * The only place knex touches inbound_parts: the parts of concatenated inbound SMS, stored
 * before the SMSC gets its deliver_sm_resp and deleted with the message they make (see
 * migration 014). The reassembly itself stays `createReassembler`'s, in memory, fed from here.
 */
export function createInboundPartsStore(db: Db) {
  return {
    /** Stores a part (a copy already held changes nothing). */
    async save(part: MoPart): Promise<void> {
      await db('inbound_parts')
        .insert({
          group_key: groupIdOf(part),
          sequence: part.sequence,
          sender_key: part.key,
          reference: part.reference,
          total: part.total,
          data_coding: part.dataCoding,
          payload: part.payload,
          received_at: part.receivedAt,
        })
        .onConflict(['group_key', 'sequence'])
        .ignore();
    },
    /** The stored parts of a message (some may have reached another worker). */
    async partsOf(group: string): Promise<MoPart[]> {
      const rows = await db<PartRow>('inbound_parts').where({ group_key: group });
      return rows.map(partOf);
    },
    /** The messages whose first stored part arrived before `cutoff` (given up on). */
    async groupsBefore(cutoff: Date): Promise<string[]> {
      const rows = await db('inbound_parts')
        .groupBy('group_key')
        .havingRaw('min(received_at) <= ?', [cutoff])
        .select<Array<{ group_key: string }>>('group_key');
      return rows.map((row) => row.group_key);
    },
    /**
     * Deletes a message's parts in the transaction that stores the message; how many there
     * were (0: another worker has taken the message).
     */
    async take(trx: Trx, group: string): Promise<number> {
      return trx('inbound_parts').where({ group_key: group }).delete();
    },
  };
}

export type InboundPartsStore = ReturnType<typeof createInboundPartsStore>;
