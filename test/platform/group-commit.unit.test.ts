import { expect } from 'chai';
import { createGroupCommit, orOneByOne } from '../../src/platform/index.js';

describe('createGroupCommit', () => {
  it('stores items written in one turn of the event loop with one flush', async () => {
    const flushes: number[][] = [];
    const group = createGroupCommit(async (batch: readonly number[]) => {
      flushes.push([...batch]);
    });
    await Promise.all([1, 2, 3].map((n) => group.write(n)));
    expect(flushes).to.deep.equal([[1, 2, 3]]);
  });

  it('holds items written during a flush and stores them together after it', async () => {
    const flushes: number[][] = [];
    let open!: () => void;
    const held = new Promise<void>((resolve) => {
      open = resolve;
    });
    const group = createGroupCommit(async (batch: readonly number[]) => {
      flushes.push([...batch]);
      if (flushes.length === 1) await held;
    });
    const first = group.write(1);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4].map((n) => group.write(n));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(flushes).to.deep.equal([[1]]);
    open();
    await Promise.all([first, ...later]);
    expect(flushes).to.deep.equal([[1], [2, 3, 4]]);
    await group.idle();
  });

  it('rejects every item of a batch whose flush fails, and goes on with the next', async () => {
    let fail = true;
    const group = createGroupCommit(async () => {
      if (fail) throw new Error('disk full');
    });
    const results = await Promise.allSettled([group.write('a'), group.write('b')]);
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    fail = false;
    await group.write('c');
  });

  it('with lingerMs, gathers items written over that long into one flush', async () => {
    const flushes: number[][] = [];
    const group = createGroupCommit(
      async (batch: readonly number[]) => {
        flushes.push([...batch]);
      },
      { lingerMs: 30 },
    );
    const first = group.write(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = group.write(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushes).to.deep.equal([]);
    await Promise.all([first, second]);
    expect(flushes).to.deep.equal([[1, 2]]);
  });

  it('splits a batch at maxBatchSize', async () => {
    const sizes: number[] = [];
    const group = createGroupCommit(
      async (batch: readonly number[]) => {
        sizes.push(batch.length);
      },
      { maxBatchSize: 2 },
    );
    await Promise.all([1, 2, 3, 4, 5].map((n) => group.write(n)));
    expect(sizes).to.deep.equal([2, 2, 1]);
  });

  it('resolves each item with the answer the flush gives it', async () => {
    const group = createGroupCommit<number, number>(async (batch) => batch.map((n) => n * 10));
    expect(await Promise.all([1, 2, 3].map((n) => group.write(n)))).to.deep.equal([10, 20, 30]);
  });

  it('orOneByOne: when a batch is refused, writes each item alone and fails only the one at fault', async () => {
    const written: number[][] = [];
    const group = createGroupCommit(
      orOneByOne(async (batch: readonly number[]) => {
        written.push([...batch]);
        if (batch.includes(2)) throw new Error('refused');
      }),
    );
    const results = await Promise.allSettled([1, 2, 3].map((n) => group.write(n)));
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect(written).to.deep.equal([[1, 2, 3], [1], [2], [3]]);
  });
});
