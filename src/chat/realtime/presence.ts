import type { Redis } from '../../platform/index.js';

/** An identity whose presence changed, as `heartbeat` and `sweep` report it. */
export interface PresenceChange {
  projectId: string;
  identity: string;
}

/**
 * Removes one socket whose heartbeat expired, from its identity's set and from the expiry
 * index, in one step; 1 when that emptied the identity's set (it just went offline). Every
 * instance sweeps, so the answer is what makes exactly one of them say so.
 * KEYS: identity set, expiry index. ARGV: socket id, index member, now.
 */
const SWEEP_ONE = `
local indexed = redis.call('ZSCORE', KEYS[2], ARGV[2])
if not indexed or tonumber(indexed) >= tonumber(ARGV[3]) then return 0 end
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) >= tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[2], score, ARGV[2])
  return 0
end
redis.call('ZREM', KEYS[2], ARGV[2])
if not score then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then return 1 end
return 0
`;

/** How many expired sockets one sweep takes on at most (the next sweep takes the rest). */
const SWEEP_BATCH = 500;

/**
 * Presence shared by every API instance: per identity, a Redis sorted set of its open sockets
 * scored by when each heartbeat expires, and one index of every socket by that expiry.
 *
 * An identity is online from the moment its set gains its first socket until the moment it
 * loses its last one, and each of those moments is one atomic Redis step whose answer says
 * so, so exactly one instance announces it. A socket leaves its set when it closes, or, when
 * its instance crashed and stopped refreshing it, when a `sweep` (every instance runs them)
 * finds its heartbeat expired. Until then it still counts: nobody announced it offline.
 */
export function createPresence(deps: { redis: Redis; prefix: string; ttlMs: number }) {
  const keyOf = (projectId: string, identity: string) =>
    `${deps.prefix}:chat:presence:${projectId}:${identity}`;
  const indexKey = `${deps.prefix}:chat:presence-expiry`;
  const memberOf = (projectId: string, identity: string, socketId: string) =>
    `${projectId}\n${identity}\n${socketId}`;

  type Results = Array<[Error | null, unknown]>;
  const valueOf = (results: Results, at: number) => {
    const [err, value] = results[at];
    if (err) throw err;
    return Number(value);
  };

  return {
    /** Registers a socket; true when it is the identity's first (it just came online). */
    async connect(projectId: string, identity: string, socketId: string, now: number) {
      const key = keyOf(projectId, identity);
      const results = (await deps.redis
        .multi()
        .zadd(key, now + deps.ttlMs, socketId)
        .zadd(indexKey, now + deps.ttlMs, memberOf(projectId, identity, socketId))
        .zcard(key)
        .exec()) as Results;
      return valueOf(results, 2) === 1;
    },
    /**
     * Refreshes the heartbeat of every given socket in one round trip (one transaction, not
     * one command per socket). Answers the identities that came back: a socket a sweep had
     * already removed (its instance stalled past the TTL) is added again, and when it is
     * again the identity's only socket, the identity is online again.
     */
    async heartbeat(
      sockets: Iterable<{ projectId: string; identity: string; socketId: string }>,
      now: number,
    ): Promise<PresenceChange[]> {
      const list = [...sockets];
      if (list.length === 0) return [];
      const multi = deps.redis.multi();
      for (const { projectId, identity, socketId } of list) {
        const key = keyOf(projectId, identity);
        multi
          .zadd(key, now + deps.ttlMs, socketId)
          .zadd(indexKey, now + deps.ttlMs, memberOf(projectId, identity, socketId))
          .zcard(key);
      }
      const results = (await multi.exec()) as Results;
      return list
        .filter((_, i) => valueOf(results, 3 * i) === 1 && valueOf(results, 3 * i + 2) === 1)
        .map(({ projectId, identity }) => ({ projectId, identity }));
    },
    /** Unregisters a socket; true when it was the identity's last (it just went offline). */
    async disconnect(projectId: string, identity: string, socketId: string) {
      const key = keyOf(projectId, identity);
      const results = (await deps.redis
        .multi()
        .zrem(key, socketId)
        .zrem(indexKey, memberOf(projectId, identity, socketId))
        .zcard(key)
        .exec()) as Results;
      return valueOf(results, 0) === 1 && valueOf(results, 2) === 0;
    },
    /**
     * Removes the sockets whose heartbeat expired before `now` (their instance crashed) and
     * answers the identities that this left without any socket: those went offline, and the
     * caller is the one instance to announce it.
     */
    async sweep(now: number): Promise<PresenceChange[]> {
      const expired = await deps.redis.zrangebyscore(
        indexKey,
        '-inf',
        `(${now}`,
        'LIMIT',
        0,
        SWEEP_BATCH,
      );
      if (expired.length === 0) return [];
      const parsed = expired.map((member) => {
        const [projectId, identity, socketId] = member.split('\n');
        return { member, projectId, identity, socketId };
      });
      const pipeline = deps.redis.pipeline();
      for (const { member, projectId, identity, socketId } of parsed) {
        pipeline.eval(SWEEP_ONE, 2, keyOf(projectId, identity), indexKey, socketId, member, now);
      }
      const results = (await pipeline.exec()) as Results;
      return parsed
        .filter((_, i) => valueOf(results, i) === 1)
        .map(({ projectId, identity }) => ({ projectId, identity }));
    },
    async isOnline(projectId: string, identity: string, now: number) {
      return (await deps.redis.zcount(keyOf(projectId, identity), now, '+inf')) > 0;
    },
  };
}

export type Presence = ReturnType<typeof createPresence>;
