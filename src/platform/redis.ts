import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

/**
 * Redis connection options from REDIS_URL. `maxRetriesPerRequest: null` is what BullMQ
 * requires for its blocking connections; a short connect timeout keeps /readyz honest.
 */
export function redisOptions(redisUrl: string): RedisOptions {
  const url = new URL(redisUrl);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
    connectTimeout: 5000,
  };
}

export function createRedis(redisUrl: string, extra: RedisOptions = {}): Redis {
  return new Redis({ ...redisOptions(redisUrl), ...extra });
}
