import { expect } from 'chai';
import {
  createInvalidatedCache,
  type InvalidationBus,
  type InvalidationHandler,
} from '../../src/platform/index.js';
import { leaseSize } from '../../src/platform/http/rate-limit.js';

/** The bus without Redis: publishing runs this process's handlers, as the real one does. */
function localBus(): InvalidationBus {
  const handlers = new Map<string, InvalidationHandler[]>();
  return {
    on: (topic, handler) => handlers.set(topic, [...(handlers.get(topic) ?? []), handler]),
    publish: (topic, key) => handlers.get(topic)?.forEach((handler) => handler(key)),
    start: async () => {},
    stop: () => {},
  };
}

describe('invalidated cache', () => {
  it('loads once and serves the kept value until the key is invalidated', async () => {
    let loads = 0;
    const cache = createInvalidatedCache({
      bus: localBus(),
      topic: 't',
      ttlMs: 60_000,
      load: async (key) => ({ key, n: ++loads }),
    });
    expect(await cache.get('a')).to.deep.equal({ key: 'a', n: 1 });
    expect(await cache.get('a')).to.deep.equal({ key: 'a', n: 1 });
    cache.invalidate('a');
    expect(await cache.get('a')).to.deep.equal({ key: 'a', n: 2 });
  });

  it('does not keep a value whose load raced an invalidation', async () => {
    let release: () => void = () => {};
    let version = 1;
    const cache = createInvalidatedCache({
      bus: localBus(),
      topic: 't',
      ttlMs: 60_000,
      load: async () => {
        const seen = version;
        await new Promise<void>((resolve) => (release = resolve));
        return { version: seen };
      },
    });
    const racing = cache.get('a');
    version = 2;
    cache.invalidate('a');
    release();
    expect(await racing).to.deep.equal({ version: 1 });
    const next = cache.get('a');
    release();
    expect(await next).to.deep.equal({ version: 2 });
  });

  it('keeps nothing for a key that does not exist', async () => {
    let loads = 0;
    const cache = createInvalidatedCache<object>({
      bus: localBus(),
      topic: 't',
      ttlMs: 60_000,
      load: async () => {
        loads += 1;
        return undefined;
      },
    });
    expect(await cache.get('x')).to.equal(undefined);
    expect(await cache.get('x')).to.equal(undefined);
    expect(loads).to.equal(2);
  });
});

describe('rate limit leases', () => {
  it('leases one token at a time under 40/s and at most 100', () => {
    expect([1, 5, 39, 40, 100, 1000, 2000, 1_000_000].map(leaseSize)).to.deep.equal([
      1, 1, 1, 2, 5, 50, 100, 100,
    ]);
  });
});

describe('invalidated cache loads', () => {
  it('shares one load among concurrent misses for a key', async () => {
    let loads = 0;
    const cache = createInvalidatedCache({
      bus: localBus(),
      topic: 't',
      ttlMs: 60_000,
      load: async (key) => {
        loads += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { key };
      },
    });
    const values = await Promise.all([cache.get('a'), cache.get('a'), cache.get('a')]);
    expect(values).to.deep.equal([{ key: 'a' }, { key: 'a' }, { key: 'a' }]);
    expect(loads).to.equal(1);
  });

  it('loads a miss on the connection the caller passes and keeps the value', async () => {
    const seen: Array<string | undefined> = [];
    const cache = createInvalidatedCache<{ key: string }, string>({
      bus: localBus(),
      topic: 't',
      ttlMs: 60_000,
      load: async (key, via) => {
        seen.push(via);
        return { key };
      },
    });
    await cache.get('a', 'trx-1');
    await cache.get('a');
    expect(seen).to.deep.equal(['trx-1']);
  });
});
