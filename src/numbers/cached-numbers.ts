import {
  createInvalidatedCache,
  type Db,
  type InvalidationBus,
  type Trx,
} from '../platform/index.js';
import type { NumberPatch, NumberRow, NumbersStore } from './numbers.store.js';

/**
 * The numbers store behind a cache of lookups by number, for the hot paths: every message
 * status webhook asks for the sender's `sms_url`, every send checks that the sender is owned,
 * every inbound SMS and call looks up its DID. Misses are cached too (an alphanumeric sender
 * or someone else's number). Writes go through here and drop the number in every process.
 */
export function createCachedNumbers(store: NumbersStore, bus: InvalidationBus): NumbersStore {
  const cache = createInvalidatedCache<{ row: NumberRow | null }, Db | Trx>({
    bus,
    topic: 'number',
    ttlMs: 60_000,
    load: async (number, via) => ({ row: (await store.findByNumber(number, via)) ?? null }),
  });
  /** `via`: the caller's transaction, which a miss is read on (never the pool from inside one). */
  const lookup = async (number: string, via?: Db | Trx) =>
    (await cache.get(number, via))?.row ?? undefined;

  return {
    ...store,
    findByNumber: (number: string, via?: Db | Trx) => lookup(number, via),
    async findOwned(projectId: string, number: string, via?: Db | Trx) {
      const row = await lookup(number, via);
      return row?.project_id === projectId ? row : undefined;
    },
    async insert(row: NumberRow) {
      const inserted = await store.insert(row);
      cache.invalidate(row.number);
      return inserted;
    },
    async update(projectId: string, id: string, patch: NumberPatch, now: Date) {
      const row = await store.update(projectId, id, patch, now);
      if (row) cache.invalidate(row.number);
      return row;
    },
    async remove(projectId: string, id: string) {
      const row = await store.find(projectId, id);
      const removed = await store.remove(projectId, id);
      if (row) cache.invalidate(row.number);
      return removed;
    },
  };
}
