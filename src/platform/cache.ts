import { LRUCache } from 'lru-cache';
import type { InvalidationBus } from './invalidation.js';

/**
 * A read-through cache kept current by the invalidation bus: `get` loads on a miss; a change
 * published on `topic` drops the key in every process (null: everything). A load that was
 * running while anything was invalidated is returned but not kept, so a reader that raced a
 * writer can never pin the old value. Entries also expire after `ttlMs`, the last resort if
 * an invalidation message is lost.
 */
export interface InvalidatedCache<V> {
  get(key: string): Promise<V | undefined>;
  /** Drops `key` here and in every other process. */
  invalidate(key: string): void;
}

export function createInvalidatedCache<V extends object>(options: {
  bus: InvalidationBus;
  topic: string;
  load: (key: string) => Promise<V | undefined>;
  ttlMs: number;
  max?: number;
}): InvalidatedCache<V> {
  const entries = new LRUCache<string, V>({ max: options.max ?? 10_000, ttl: options.ttlMs });
  let generation = 0;

  options.bus.on(options.topic, (key) => {
    generation += 1;
    if (key === null) entries.clear();
    else entries.delete(key);
  });

  return {
    async get(key) {
      const hit = entries.get(key);
      if (hit !== undefined) return hit;
      const startedAt = generation;
      const value = await options.load(key);
      if (value !== undefined && startedAt === generation) entries.set(key, value);
      return value;
    },
    invalidate(key) {
      options.bus.publish(options.topic, key);
    },
  };
}
