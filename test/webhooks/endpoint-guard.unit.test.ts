import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createEndpointGuard,
  isParked,
  type EndpointGuardOptions,
} from '../../src/webhooks/endpoint-guard.js';

const A = 'https://a.example/hooks';
const B = 'https://b.example/hooks';
const failed = (status: number) => status >= 300;

function guardWith(overrides: Partial<EndpointGuardOptions> = {}) {
  return createEndpointGuard({
    maxConcurrent: 4,
    failureThreshold: 3,
    openForMs: 60,
    busyRetryMs: 25,
    ...overrides,
  });
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function failTimes(guard: ReturnType<typeof guardWith>, endpoint: string, times: number) {
  for (let i = 0; i < times; i += 1) await guard.run(endpoint, async () => 500, failed);
}

describe('createEndpointGuard', () => {
  it('runs tasks and returns their results while the breaker is closed', async () => {
    const guard = guardWith();
    expect(await guard.run(A, async () => 200, failed)).to.equal(200);
    expect(await guard.run(A, async () => 500, failed)).to.equal(500);
    expect(guard.stateOf(A)).to.include({
      breaker: 'closed',
      inFlight: 0,
      consecutiveFailures: 1,
    });
    expect(guard.stateOf(A).typicalMs).to.be.above(0);
  });

  it('opens after the threshold of consecutive failures and parks without calling the task', async () => {
    const guard = guardWith();
    await failTimes(guard, A, 3);
    expect(guard.stateOf(A).breaker).to.equal('open');
    let called = false;
    const result = await guard.run(A, async () => ((called = true), 200), failed);
    expect(called).to.equal(false);
    expect(isParked(result)).to.equal(true);
    if (!isParked(result)) return;
    expect(result.reason).to.equal('open');
    expect(result.retryInMs).to.be.within(1, 60);
  });

  it('counts only consecutive failures: a success in between resets the count', async () => {
    const guard = guardWith();
    await failTimes(guard, A, 2);
    await guard.run(A, async () => 204, failed);
    await failTimes(guard, A, 2);
    expect(guard.stateOf(A)).to.include({ breaker: 'closed', consecutiveFailures: 2 });
  });

  it('counts a thrown error as a failure and re-throws it', async () => {
    const guard = guardWith({ failureThreshold: 1 });
    const boom = () => Promise.reject(new Error('boom'));
    await guard
      .run(A, boom, () => false)
      .then(
        () => expect.fail('expected the error'),
        (error: Error) => expect(error.message).to.equal('boom'),
      );
    expect(guard.stateOf(A).breaker).to.equal('open');
  });

  it('lets one probe through after openForMs, parks the rest, and closes when it succeeds', async () => {
    const guard = guardWith();
    await failTimes(guard, A, 3);
    await sleep(70);
    const probe = deferred<number>();
    const probing = guard.run(A, () => probe.promise, failed);
    expect(guard.stateOf(A).breaker).to.equal('half-open');
    let called = false;
    const second = await guard.run(A, async () => ((called = true), 200), failed);
    expect(called).to.equal(false);
    expect(second).to.deep.equal({ parked: true, retryInMs: 25, reason: 'half-open' });
    probe.resolve(200);
    expect(await probing).to.equal(200);
    expect(guard.stateOf(A)).to.include({ breaker: 'closed', consecutiveFailures: 0 });
    expect(await guard.run(A, async () => 201, failed)).to.equal(201);
  });

  it('opens again for another openForMs when the probe fails', async () => {
    const guard = guardWith();
    await failTimes(guard, A, 3);
    await sleep(70);
    expect(await guard.run(A, async () => 503, failed)).to.equal(503);
    expect(guard.stateOf(A).breaker).to.equal('open');
    const parked = await guard.run(A, async () => 200, failed);
    expect(parked).to.include({ parked: true, reason: 'open' });
  });

  it('parks work beyond maxConcurrent in flight for one endpoint with a short retry', async () => {
    const guard = guardWith({ maxConcurrent: 2 });
    const gate = deferred<number>();
    const running = [
      guard.run(A, () => gate.promise, failed),
      guard.run(A, () => gate.promise, failed),
    ];
    expect(guard.stateOf(A).inFlight).to.equal(2);
    let called = false;
    const third = await guard.run(A, async () => ((called = true), 200), failed);
    expect(called).to.equal(false);
    expect(third).to.deep.equal({ parked: true, retryInMs: 25, reason: 'busy' });
    gate.resolve(200);
    expect(await Promise.all(running)).to.deep.equal([200, 200]);
    expect(await guard.run(A, async () => 200, failed)).to.equal(200);
  });

  it('lets maxQueued attempts wait for a slot and paces the parks beyond them', async () => {
    const guard = guardWith({ maxConcurrent: 1, maxQueued: 1 });
    const gate = deferred<number>();
    const first = guard.run(A, () => gate.promise, failed);
    const waiting = guard.run(A, async () => 201, failed);
    const parks = [];
    for (let i = 0; i < 3; i += 1) parks.push(await guard.run(A, async () => 200, failed));
    const delays = parks.map((p) => (isParked(p) ? p.retryInMs : -1));
    expect(delays[0]).to.be.within(24, 26);
    expect(delays[1]).to.be.greaterThan(delays[0]);
    expect(delays[2]).to.be.greaterThan(delays[1]);
    gate.resolve(200);
    expect(await Promise.all([first, waiting])).to.deep.equal([200, 201]);
  });

  it('never delays another endpoint while one endpoint hangs or is open', async () => {
    const guard = guardWith({ maxConcurrent: 2 });
    const hang = deferred<number>();
    const stuck = [
      guard.run(A, () => hang.promise, failed),
      guard.run(A, () => hang.promise, failed),
    ];
    const started = performance.now();
    const results: unknown[] = [];
    for (let i = 0; i < 20; i += 1) results.push(await guard.run(B, async () => 200, failed));
    expect(performance.now() - started).to.be.below(200);
    expect(results.every((r) => r === 200)).to.equal(true);
    hang.resolve(500);
    await Promise.all(stuck);
    await failTimes(guard, A, 3);
    expect(guard.stateOf(A).breaker).to.equal('open');
    expect(await guard.run(B, async () => 200, failed)).to.equal(200);
    expect(guard.stateOf(B).breaker).to.equal('closed');
  });

  it('keys endpoints by the name it is given, not by host', async () => {
    const guard = guardWith({ failureThreshold: 2 });
    await guard.run('prj_a https://a.example/one', async () => 500, failed);
    await guard.run('prj_a https://a.example/one', async () => 500, failed);
    expect(guard.stateOf('prj_a https://a.example/one').breaker).to.equal('open');
    expect(guard.stateOf('prj_a https://a.example/two').breaker).to.equal('closed');
    expect(guard.stateOf('prj_b https://a.example/one').breaker).to.equal('closed');
  });

  it('forgets the least recently used idle endpoints beyond maxEndpoints', async () => {
    const guard = guardWith({ maxEndpoints: 3 });
    const gate = deferred<number>();
    const busy = guard.run('https://busy.example', () => gate.promise, failed);
    for (let i = 0; i < 10; i += 1)
      await guard.run(`https://e${i}.example`, async () => 200, failed);
    expect(guard.size()).to.equal(3);
    expect(guard.stateOf('https://busy.example').inFlight).to.equal(1);
    gate.resolve(200);
    await busy;
  });
});
