import { expect } from 'chai';
import { createEventLanes } from '../../src/voice/orchestrator/event-lanes.js';

/** A promise the test settles when it wants. */
function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('createEventLanes', () => {
  it('runs the work of one key in the order it was queued, one piece at a time', async () => {
    const lanes = createEventLanes(() => undefined);
    const log: string[] = [];
    const first = gate();
    lanes.run('a', async () => {
      log.push('1 start');
      await first.opened;
      log.push('1 end');
    });
    lanes.run('a', async () => {
      log.push('2');
    });
    lanes.run('a', async () => {
      log.push('3');
    });
    await tick();
    expect(log).to.deep.equal(['1 start']);
    first.open();
    await tick();
    expect(log).to.deep.equal(['1 start', '1 end', '2', '3']);
  });

  it('runs another key while one key waits', async () => {
    const lanes = createEventLanes(() => undefined);
    const log: string[] = [];
    const slow = gate();
    lanes.run('a', async () => {
      await slow.opened;
      log.push('a');
    });
    lanes.run('b', async () => {
      log.push('b');
    });
    await tick();
    expect(log).to.deep.equal(['b']);
    slow.open();
    await tick();
    expect(log).to.deep.equal(['b', 'a']);
  });

  it('hands a failure to onError and goes on with the lane', async () => {
    const errors: unknown[] = [];
    const lanes = createEventLanes((err) => errors.push(err));
    const log: string[] = [];
    lanes.run('a', async () => {
      throw new Error('boom');
    });
    lanes.run('a', async () => {
      log.push('after');
    });
    await tick();
    expect(errors).to.have.length(1);
    expect(log).to.deep.equal(['after']);
  });

  it('starts a barrier after every lane and holds back what is queued after it', async () => {
    const lanes = createEventLanes(() => undefined);
    const log: string[] = [];
    const slow = gate();
    const barrier = gate();
    lanes.run('a', async () => {
      await slow.opened;
      log.push('a');
    });
    lanes.barrier(async () => {
      log.push('barrier start');
      await barrier.opened;
      log.push('barrier end');
    });
    lanes.run('b', async () => {
      log.push('b');
    });
    await tick();
    expect(log).to.deep.equal([]);
    slow.open();
    await tick();
    expect(log).to.deep.equal(['a', 'barrier start']);
    barrier.open();
    await tick();
    expect(log).to.deep.equal(['a', 'barrier start', 'barrier end', 'b']);
  });

  it('forgets a key once its lane is idle', async () => {
    const lanes = createEventLanes(() => undefined);
    lanes.run('a', async () => undefined);
    lanes.run('b', async () => undefined);
    expect(lanes.busy).to.equal(2);
    await tick();
    expect(lanes.busy).to.equal(0);
  });
});
