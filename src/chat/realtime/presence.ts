import type { Redis } from '../../platform/index.js';

/**
 * Presence shared by every API instance: per identity, a Redis sorted set of its open sockets
 * scored by when each heartbeat expires. An identity is online while one score is in the
 * future; a crashed instance's sockets simply stop being refreshed and age out.
 */
export function createPresence(deps: { redis: Redis; prefix: string; ttlMs: number }) {
  const keyOf = (projectId: string, identity: string) =>
    `${deps.prefix}:chat:presence:${projectId}:${identity}`;

  async function live(key: string, now: number): Promise<number> {
    const [, , count] = (await deps.redis
      .multi()
      .zremrangebyscore(key, '-inf', now)
      .pexpire(key, deps.ttlMs * 2)
      .zcard(key)
      .exec()) as Array<[Error | null, unknown]>;
    return Number(count[1]);
  }

  return {
    /** Registers a socket; true when it is the identity's first (it just came online). */
    async connect(projectId: string, identity: string, socketId: string, now: number) {
      const key = keyOf(projectId, identity);
      await deps.redis.zadd(key, now + deps.ttlMs, socketId);
      return (await live(key, now)) === 1;
    },
    /**
     * Refreshes the heartbeat of every given socket in one round trip (a pipeline, not one
     * command per socket), and keeps each identity's key from expiring while it has sockets:
     * the key's own expiry is only the clean-up for identities that left no socket behind.
     */
    async heartbeat(
      sockets: Iterable<{ projectId: string; identity: string; socketId: string }>,
      now: number,
    ) {
      const pipeline = deps.redis.pipeline();
      for (const { projectId, identity, socketId } of sockets) {
        const key = keyOf(projectId, identity);
        pipeline.zadd(key, now + deps.ttlMs, socketId).pexpire(key, deps.ttlMs * 2);
      }
      if (pipeline.length > 0) await pipeline.exec();
    },
    /** Unregisters a socket; true when it was the identity's last (it just went offline). */
    async disconnect(projectId: string, identity: string, socketId: string, now: number) {
      const key = keyOf(projectId, identity);
      await deps.redis.zrem(key, socketId);
      return (await live(key, now)) === 0;
    },
    async isOnline(projectId: string, identity: string, now: number) {
      return (await deps.redis.zcount(keyOf(projectId, identity), now, '+inf')) > 0;
    },
  };
}

export type Presence = ReturnType<typeof createPresence>;
