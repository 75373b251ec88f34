import { LRUCache } from 'lru-cache';
import type { InvalidationBus } from './invalidation.js';

/**
 * A read-through cache kept current by the invalidation bus: `get` loads on a miss; a change
 * published on `topic` drops the key in every process (null: everything). A load that was
 * running while anything was invalidated is returned but not kept, so a reader that raced a
 * writer can never pin the old value. Entries also expire after `ttlMs`, the last resort if
 * an invalidation message is lost.
 *
 * `via` is the connection a miss is read on. A caller inside a transaction passes its own:
 * loading through the pool while holding a pooled connection deadlocks once every connection
 * is held by a transaction waiting for a cache miss. Concurrent misses for one key without
 * `via` share one load.
 */
export interface InvalidatedCache<V, Via = never> {
  get(key: string, via?: Via): Promise<V | undefined>;
  /** Drops `key` here and in every other process. */
  invalidate(key: string): void;
}

export function createInvalidatedCache<V extends object, Via = never>(options: {
  bus: InvalidationBus;
  topic: string;
  load: (key: string, via?: Via) => Promise<V | undefined>;
  ttlMs: number;
  max?: number;
}): InvalidatedCache<V, Via> {
  const entries = new LRUCache<string, V>({ max: options.max ?? 10_000, ttl: options.ttlMs });
  const loading = new Map<string, Promise<V | undefined>>();
  let generation = 0;

  options.bus.on(options.topic, (key) => {
    generation += 1;
    loading.clear();
    if (key === null) entries.clear();
    else entries.delete(key);
  });

  async function load(key: string, via: Via | undefined): Promise<V | undefined> {
    const startedAt = generation;
    const value = await options.load(key, via);
    if (value !== undefined && startedAt === generation) entries.set(key, value);
    return value;
  }

  return {
    async get(key, via) {
      const hit = entries.get(key);
      if (hit !== undefined) return hit;
      if (via !== undefined) return load(key, via);
      const shared = loading.get(key);
      if (shared) return shared;
      const pending = load(key, undefined).finally(() => {
        if (loading.get(key) === pending) loading.delete(key);
      });
      loading.set(key, pending);
      return pending;
    },
    invalidate(key) {
      options.bus.publish(options.topic, key);
    },
  };
}
