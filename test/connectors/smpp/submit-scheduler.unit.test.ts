import { expect } from 'chai';
import { systemClock } from '../../../src/platform/index.js';
import { createSubmitScheduler } from '../../../src/connectors/smpp/submit-scheduler.js';

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('createSubmitScheduler', () => {
  it('runs at most `window` tasks at once and starts the rest in FIFO order', async () => {
    const scheduler = createSubmitScheduler({ window: 2, throughput: 0, clock: systemClock });
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, index) =>
      scheduler.run(async () => {
        started.push(index);
        await gate.promise;
        return index;
      }),
    );
    await Promise.resolve();
    expect(started).to.deep.equal([0, 1]);
    expect(scheduler.waiting()).to.equal(1);
    gates[1].resolve();
    await runs[1];
    await Promise.resolve();
    expect(started).to.deep.equal([0, 1, 2]);
    gates[0].resolve();
    gates[2].resolve();
    expect(await Promise.all(runs)).to.deep.equal([0, 1, 2]);
  });

  it('frees the slot of a failed task', async () => {
    const scheduler = createSubmitScheduler({ window: 1, throughput: 0, clock: systemClock });
    const failed = scheduler.run(async () => {
      throw new Error('boom');
    });
    const next = scheduler.run(async () => 'ok');
    await failed.catch(() => undefined);
    expect(await next).to.equal('ok');
  });

  it('rejects waiting tasks on failWaiting and leaves running ones alone', async () => {
    const scheduler = createSubmitScheduler({ window: 1, throughput: 0, clock: systemClock });
    const gate = deferred();
    const running = scheduler.run(() => gate.promise.then(() => 'done'));
    const waiting = scheduler.run(async () => 'never');
    scheduler.failWaiting(new Error('unbound'));
    gate.resolve();
    expect(await running).to.equal('done');
    expect(await waiting.catch((err: Error) => err.message)).to.equal('unbound');
  });

  it('spaces starts by 1000 / throughput ms', async () => {
    const scheduler = createSubmitScheduler({ window: 10, throughput: 50, clock: systemClock });
    const starts: number[] = [];
    await Promise.all(
      [1, 2, 3, 4].map(() => scheduler.run(async () => void starts.push(Date.now()))),
    );
    for (let i = 1; i < starts.length; i += 1) expect(starts[i] - starts[i - 1]).to.be.at.least(18);
    scheduler.stop();
  });
});
