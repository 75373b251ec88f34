import { createInvalidatedCache, type InvalidationBus } from '../platform/index.js';
import type { NumberPatch, NumberRow, NumbersStore } from './numbers.store.js';

/**
 * The numbers store behind a cache of lookups by number, for the hot paths: every message
 * status webhook asks for the sender's `sms_url`, every send checks that the sender is owned,
 * every inbound SMS and call looks up its DID. Misses are cached too (an alphanumeric sender
 * or someone else's number). Writes go through here and drop the number in every process.
 */
export function createCachedNumbers(store: NumbersStore, bus: InvalidationBus): NumbersStore {
  const cache = createInvalidatedCache<{ row: NumberRow | null }>({
    bus,
    topic: 'number',
    ttlMs: 60_000,
    load: async (number) => ({ row: (await store.findByNumber(number)) ?? null }),
  });
  const lookup = async (number: string) => (await cache.get(number))?.row ?? undefined;

  return {
    ...store,
    findByNumber: (number: string) => lookup(number),
    async findOwned(projectId: string, number: string) {
      const row = await lookup(number);
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
