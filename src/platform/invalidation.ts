import { Redis as RedisClient } from 'ioredis';
import type { Logger } from './logger.js';
import { redisOptions, type Redis } from './redis.js';

/**
 * Tells every process that something it may have cached changed (a project's settings, a
 * revoked key). `publish` runs this process's handlers at once (so a request that changed
 * something reads its own write) and announces the change to the others over Redis pub/sub.
 *
 * Pub/sub is fire-and-forget: a message sent while a subscriber was reconnecting is lost. So
 * whenever the subscription is (re)established every handler is told to forget everything
 * (`key` null), and caches keep a TTL as a last resort.
 */
export type InvalidationHandler = (key: string | null) => void;

export interface InvalidationBus {
  on(topic: string, handler: InvalidationHandler): void;
  publish(topic: string, key: string): void;
  start(): Promise<void>;
  stop(): void;
}

interface Announcement {
  topic: string;
  key: string;
  origin: string;
}

export function createInvalidationBus(deps: {
  redis: Redis;
  redisUrl: string;
  prefix: string;
  logger: Logger;
}): InvalidationBus {
  const channel = `${deps.prefix}:invalidate`;
  const origin = `${process.pid}.${Math.random().toString(36).slice(2)}`;
  const handlers = new Map<string, InvalidationHandler[]>();
  let subscriber: RedisClient | null = null;

  function notify(topic: string, key: string | null): void {
    for (const handler of handlers.get(topic) ?? []) handler(key);
  }
  function forgetEverything(): void {
    for (const topic of handlers.keys()) notify(topic, null);
  }

  return {
    on(topic, handler) {
      handlers.set(topic, [...(handlers.get(topic) ?? []), handler]);
    },

    publish(topic, key) {
      notify(topic, key);
      const message: Announcement = { topic, key, origin };
      deps.redis.publish(channel, JSON.stringify(message)).catch((err: Error) => {
        deps.logger.warn({ err: err.message, topic }, 'cache invalidation not published');
      });
    },

    async start() {
      subscriber = new RedisClient({ ...redisOptions(deps.redisUrl), lazyConnect: true });
      subscriber.on('error', (err: Error) =>
        deps.logger.warn({ err: err.message }, 'invalidation pub/sub connection error'),
      );
      subscriber.on('ready', forgetEverything);
      subscriber.on('message', (_channel: string, text: string) => {
        try {
          const message = JSON.parse(text) as Announcement;
          if (message.origin !== origin) notify(message.topic, message.key);
        } catch (err) {
          deps.logger.warn({ err }, 'bad invalidation message');
        }
      });
      await subscriber.connect();
      await subscriber.subscribe(channel);
    },

    stop() {
      subscriber?.disconnect();
      subscriber = null;
    },
  };
}
