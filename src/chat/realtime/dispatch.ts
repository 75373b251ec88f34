import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { StoredEvent } from '../../events/index.js';
import type { Logger } from '../../platform/index.js';
import type { Rooms } from './rooms.js';
import type { Session } from './session.js';

/** What the fan-out needs of a connected socket. */
export interface Recipient {
  ws: WebSocket;
  /** The upgraded TCP socket under `ws`, corked while a batch of events is sent. */
  socket: Duplex;
  session: Session;
  /** The session's conversations, the same set the rooms index follows. */
  conversations: Set<string>;
}

/** Events that can add a conversation to a socket that is not yet in it. */
const JOINS = new Set(['conversation.created', 'conversation.member.joined']);

const eventFrames = new WeakMap<StoredEvent, Buffer>();

/**
 * An event's frame `{ type, position, data }`, serialised once however many sockets it goes
 * to (a live event is one object for every socket of the process; replayed events are
 * serialised per socket, and forgotten with them).
 */
export function frameOf(event: StoredEvent): Buffer {
  let frame = eventFrames.get(event);
  if (!frame) {
    frame = Buffer.from(
      JSON.stringify({ type: event.type, position: event.position, data: event.data }),
    );
    eventFrames.set(event, frame);
  }
  return frame;
}

/**
 * Hands committed events, in log order, to the sessions that may show them: those in the
 * event's conversation room (a join goes to every socket, since it may add the conversation),
 * and every socket of the project whose session is buffering (it must see the whole project,
 * in order, until it goes live). Others would drop the event anyway; nothing is read per
 * socket. Each socket is corked for the batch, so its frames leave in one write.
 */
export function createDispatcher<C extends Recipient>(deps: {
  rooms: Rooms<C>;
  all: () => Iterable<C>;
  buffering: ReadonlySet<C>;
  logger: Logger;
}) {
  return function dispatch(events: StoredEvent[]): void {
    const corked = new Set<C>();
    const deliver = (c: C, event: StoredEvent) => {
      if (!corked.has(c)) {
        corked.add(c);
        c.socket.cork();
      }
      try {
        c.session.deliver(event);
      } catch (err) {
        // One socket's failure must not cost the others the batch: this one reconnects.
        deps.logger.warn({ err }, 'realtime delivery failed');
        c.ws.terminate();
      }
    };
    try {
      for (const event of events) {
        const everyone = JOINS.has(event.type);
        const targets = everyone ? [...deps.all()] : deps.rooms.in(event.streamId);
        for (const c of targets) deliver(c, event);
        if (everyone) continue;
        for (const c of deps.buffering) {
          if (c.session.projectId === event.projectId && !c.conversations.has(event.streamId))
            deliver(c, event);
        }
      }
    } finally {
      for (const c of corked) c.socket.uncork();
    }
  };
}
