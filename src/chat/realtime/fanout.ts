import { Redis as RedisClient } from 'ioredis';
import { redisOptions, type Logger, type Redis } from '../../platform/index.js';

/**
 * What API instances tell each other over Redis pub/sub. `events` only announces positions
 * just committed (each instance reads them back from Postgres in log order); typing and
 * presence are ephemeral and exist only here and in Redis keys with TTLs.
 */
export type LiveMessage =
  | { kind: 'events'; positions: number[] }
  | { kind: 'typing'; projectId: string; conversationId: string; identity: string }
  | {
      kind: 'presence';
      projectId: string;
      identity: string;
      status: 'online' | 'offline';
      conversationIds: string[];
    };

export type Fanout = ReturnType<typeof createFanout>;

/** Pub/sub across API instances: one shared publisher, one subscribing connection of our own. */
export function createFanout(deps: {
  redis: Redis;
  redisUrl: string;
  prefix: string;
  logger: Logger;
  onMessage: (message: LiveMessage) => void;
}) {
  const channel = `${deps.prefix}:chat:live`;
  let subscriber: RedisClient | null = null;

  return {
    async start() {
      subscriber = new RedisClient({ ...redisOptions(deps.redisUrl), lazyConnect: true });
      subscriber.on('error', (err) =>
        deps.logger.warn({ err: err.message }, 'chat pub/sub connection error'),
      );
      subscriber.on('message', (_channel: string, text: string) => {
        try {
          deps.onMessage(JSON.parse(text) as LiveMessage);
        } catch (err) {
          deps.logger.warn({ err }, 'bad chat pub/sub message');
        }
      });
      await subscriber.connect();
      await subscriber.subscribe(channel);
    },
    async stop() {
      subscriber?.disconnect();
      subscriber = null;
    },
    publish(message: LiveMessage) {
      deps.redis.publish(channel, JSON.stringify(message)).catch((err: Error) => {
        deps.logger.warn({ err: err.message }, 'chat pub/sub publish failed');
      });
    },
  };
}
