import { expect } from 'chai';
import { createPresence } from '../../src/chat/realtime/presence.js';
import { createRedis, type Redis } from '../../src/platform/index.js';
import { harnessSettings } from '../support/harness.js';

/** Presence on the real Redis, with a short TTL so expiry happens within the test. */
describe('realtime presence', () => {
  const TTL_MS = 100;
  let redis: Redis;
  let presence: ReturnType<typeof createPresence>;
  const prefix = `${harnessSettings.redisPrefix}:presence-test`;
  const key = (identity: string) => `${prefix}:chat:presence:prj_1:${identity}`;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  before(() => {
    redis = createRedis(harnessSettings.redisUrl);
    presence = createPresence({ redis, prefix, ttlMs: TTL_MS });
  });
  after(async () => {
    await redis.del([
      ...['ann', 'bob', 'cat', 'dee', 'eve'].map(key),
      `${prefix}:chat:presence-expiry`,
    ]);
    redis.disconnect();
  });

  it('keeps an identity online while its sockets heartbeat', async () => {
    expect(await presence.connect('prj_1', 'ann', 'sock-1', Date.now())).to.equal(true);
    expect(await presence.connect('prj_1', 'ann', 'sock-1b', Date.now())).to.equal(false);
    const sockets = ['sock-1', 'sock-1b'].map((socketId) => ({
      projectId: 'prj_1',
      identity: 'ann',
      socketId,
    }));
    // Heartbeats every 30 ms for six TTLs, sweeping as every instance does.
    for (let waited = 0; waited < 6 * TTL_MS; waited += 30) {
      await sleep(30);
      expect(await presence.heartbeat(sockets, Date.now())).to.deep.equal([]);
      expect(await presence.sweep(Date.now())).to.deep.equal([]);
      expect(await presence.isOnline('prj_1', 'ann', Date.now())).to.equal(true);
    }
    // One socket closing is not the identity going offline: the other is still there.
    expect(await presence.disconnect('prj_1', 'ann', 'sock-1b')).to.equal(false);
    expect(await presence.disconnect('prj_1', 'ann', 'sock-1')).to.equal(true);
    expect(await redis.exists(key('ann')), 'an empty set leaves no key').to.equal(0);
  });

  it('refreshes every socket it is given in one call, and goes offline once they stop', async () => {
    const now = Date.now();
    await presence.connect('prj_1', 'ann', 'sock-2', now);
    await presence.connect('prj_1', 'bob', 'sock-3', now);
    await sleep(TTL_MS / 2);
    await presence.heartbeat(
      [
        { projectId: 'prj_1', identity: 'ann', socketId: 'sock-2' },
        { projectId: 'prj_1', identity: 'bob', socketId: 'sock-3' },
      ],
      Date.now(),
    );
    await sleep(TTL_MS * 0.75);
    // Past the connect's TTL, inside the heartbeat's.
    expect(await presence.isOnline('prj_1', 'bob', Date.now())).to.equal(true);
    await sleep(TTL_MS);
    expect(await presence.isOnline('prj_1', 'bob', Date.now())).to.equal(false);
    expect(await presence.sweep(Date.now()), 'the sweep reports both gone').to.have.deep.members([
      { projectId: 'prj_1', identity: 'ann' },
      { projectId: 'prj_1', identity: 'bob' },
    ]);
  });

  it("sweeps a crashed instance's socket once: one of two sweeping instances reports it offline", async () => {
    const crashed = createPresence({ redis, prefix, ttlMs: TTL_MS });
    await crashed.connect('prj_1', 'cat', 'sock-4', Date.now());
    expect(await presence.sweep(Date.now()), 'not expired yet').to.deep.equal([]);
    await sleep(TTL_MS + 20);
    const other = createPresence({ redis, prefix, ttlMs: TTL_MS });
    const sweeps = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? presence : other).sweep(Date.now())),
    );
    expect(sweeps.flat()).to.deep.equal([{ projectId: 'prj_1', identity: 'cat' }]);
    expect(await redis.exists(key('cat'))).to.equal(0);
    expect(await presence.sweep(Date.now())).to.deep.equal([]);
  });

  it('keeps an identity online when only one of its sockets is swept', async () => {
    await presence.connect('prj_1', 'dee', 'sock-5', Date.now());
    await presence.connect('prj_1', 'dee', 'sock-6', Date.now());
    await sleep(TTL_MS / 2);
    const live = [{ projectId: 'prj_1', identity: 'dee', socketId: 'sock-6' }];
    await presence.heartbeat(live, Date.now());
    await sleep(TTL_MS / 2 + 20);
    expect(await presence.sweep(Date.now())).to.deep.equal([]);
    expect(await presence.isOnline('prj_1', 'dee', Date.now())).to.equal(true);
    expect(await presence.disconnect('prj_1', 'dee', 'sock-5'), 'swept already').to.equal(false);
    expect(await presence.disconnect('prj_1', 'dee', 'sock-6')).to.equal(true);
  });

  it('reports a socket swept while its instance stalled as back online at its next heartbeat', async () => {
    await presence.connect('prj_1', 'eve', 'sock-7', Date.now());
    await sleep(TTL_MS + 20);
    expect(await presence.sweep(Date.now())).to.deep.equal([
      { projectId: 'prj_1', identity: 'eve' },
    ]);
    const socket = [{ projectId: 'prj_1', identity: 'eve', socketId: 'sock-7' }];
    expect(await presence.heartbeat(socket, Date.now())).to.deep.equal([
      { projectId: 'prj_1', identity: 'eve' },
    ]);
    expect(await presence.heartbeat(socket, Date.now())).to.deep.equal([]);
    expect(await presence.disconnect('prj_1', 'eve', 'sock-7')).to.equal(true);
  });

  it('accepts an empty heartbeat without a round trip', async () => {
    await presence.heartbeat([], Date.now());
  });
});
