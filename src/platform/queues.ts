import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * The BullMQ queues, one per feature (`ingress`, `chat-sms`, `calls`...), created on first use and
 * sharing one Redis connection. Queue names are plain; isolation between deployments or test
 * runs comes from the key prefix.
 */
export interface QueueRegistry {
  get(name: string): Queue;
  add(queue: string, name: string, data: unknown, options: JobsOptions): Promise<void>;
  close(): Promise<void>;
}

export function createQueueRegistry(deps: { connection: Redis; prefix: string }): QueueRegistry {
  const queues = new Map<string, Queue>();
  function get(name: string): Queue {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: deps.connection, prefix: deps.prefix });
      queues.set(name, queue);
    }
    return queue;
  }
  return {
    get,
    async add(queue, name, data, options) {
      await get(queue).add(name, data, options);
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      queues.clear();
    },
  };
}
