import type { Redis } from '../../platform/index.js';
import type { Fanout } from './fanout.js';
import type { OutgoingFrame } from './session.js';

/**
 * Typing indicators. A client may announce typing at most every `throttleMs` per conversation
 * (enforced across instances with a Redis key, extra frames are dropped); the indicator lives
 * `expiryMs` in Redis and on every instance, which pushes `typing.stopped` when it runs out
 * without being renewed.
 */
export function createTyping(deps: {
  redis: Redis;
  prefix: string;
  throttleMs: number;
  expiryMs: number;
  broadcast: (
    projectId: string,
    conversationId: string,
    frame: OutgoingFrame,
    except: string,
  ) => void;
}) {
  const timers = new Map<string, NodeJS.Timeout>();
  const key = (projectId: string, conversationId: string, identity: string) =>
    `${deps.prefix}:chat:typing:${projectId}:${conversationId}:${identity}`;

  return {
    /** A member's socket says it is typing; false when throttled. */
    async start(projectId: string, conversationId: string, identity: string, fanout: Fanout) {
      const base = key(projectId, conversationId, identity);
      const allowed = await deps.redis.set(`${base}:throttle`, '1', 'PX', deps.throttleMs, 'NX');
      if (allowed !== 'OK') return false;
      await deps.redis.set(base, '1', 'PX', deps.expiryMs);
      fanout.publish({ kind: 'typing', projectId, conversationId, identity });
      return true;
    },

    /** A typing announcement from any instance: push it and (re)arm its expiry. */
    received(message: { projectId: string; conversationId: string; identity: string }) {
      const { projectId, conversationId, identity } = message;
      const id = key(projectId, conversationId, identity);
      const data = { conversation_id: conversationId, identity };
      deps.broadcast(
        projectId,
        conversationId,
        { type: 'typing', position: null, data: { ...data, expires_in_ms: deps.expiryMs } },
        identity,
      );
      clearTimeout(timers.get(id));
      timers.set(
        id,
        setTimeout(() => {
          timers.delete(id);
          deps.broadcast(
            projectId,
            conversationId,
            { type: 'typing.stopped', position: null, data },
            identity,
          );
        }, deps.expiryMs),
      );
    },

    stop() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
