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
    await redis.del(key('ann'), key('bob'));
    redis.disconnect();
  });

  it('keeps an identity online past its key expiry while its sockets heartbeat', async () => {
    expect(await presence.connect('prj_1', 'ann', 'sock-1', Date.now())).to.equal(true);
    expect(await presence.connect('prj_1', 'ann', 'sock-1b', Date.now())).to.equal(false);
    const sockets = ['sock-1', 'sock-1b'].map((socketId) => ({
      projectId: 'prj_1',
      identity: 'ann',
      socketId,
    }));
    // Heartbeats every 30 ms for three times the key's expiry (2 × TTL).
    for (let waited = 0; waited < 6 * TTL_MS; waited += 30) {
      await sleep(30);
      await presence.heartbeat(sockets, Date.now());
      expect(await presence.isOnline('prj_1', 'ann', Date.now())).to.equal(true);
    }
    expect(await redis.pttl(key('ann'))).to.be.within(1, 2 * TTL_MS);
    // One socket closing is not the identity going offline: the other is still there.
    expect(await presence.disconnect('prj_1', 'ann', 'sock-1b', Date.now())).to.equal(false);
    expect(await presence.disconnect('prj_1', 'ann', 'sock-1', Date.now())).to.equal(true);
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
  });

  it('accepts an empty heartbeat without a round trip', async () => {
    await presence.heartbeat([], Date.now());
  });
});
