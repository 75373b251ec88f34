import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventCursor, EventStore } from '../../events/index.js';
import {
  answerWithoutUpgrade,
  endWithProblem,
  UnauthorizedError,
  type Clock,
  type Logger,
  type Redis,
} from '../../platform/index.js';
import type { UserClaims } from '../tokens.js';

import type { EventPositions } from './cursor.js';
import { createDispatcher, frameOf, type Recipient } from './dispatch.js';
import type { Fanout, LiveMessage } from './fanout.js';
import type { Presence, PresenceChange } from './presence.js';
import { createPresenceUpkeep } from './presence-upkeep.js';
import { createReplayView, type ChangedMessages } from './replay-view.js';
import { createRooms } from './rooms.js';
import { createSession, type OutgoingFrame } from './session.js';
import { createTokenBucket } from './token-bucket.js';
import { createTyping } from './typing.js';

/** Realtime limits; the defaults follow the issue, tests shrink them. */
export interface RealtimeOptions {
  maxFrameBytes: number;
  /** Incoming frames per socket: burst and sustained rate (over it: close 1008). */
  frameBurst: number;
  framesPerSecond: number;
  typingThrottleMs: number;
  typingExpiryMs: number;
  presenceTtlMs: number;
  /** Outgoing bytes a slow socket may have queued before it is closed (4008). */
  maxBufferedBytes: number;
  /** How long a new socket waits for the client's `resume` before it goes live from the present. */
  resumeWindowMs: number;
}

export const DEFAULT_REALTIME_OPTIONS: RealtimeOptions = {
  maxFrameBytes: 64 * 1024,
  frameBurst: 30,
  framesPerSecond: 10,
  typingThrottleMs: 2000,
  typingExpiryMs: 6000,
  presenceTtlMs: 30_000,
  maxBufferedBytes: 4 * 1024 * 1024,
  resumeWindowMs: 500,
};

export const REALTIME_PATH = '/v1/realtime';

interface Connection extends Recipient {
  id: string;
  /** The session's conversations, tied to the rooms index (see rooms.ts). */
  conversations: Set<string> & { detach(): void };
  expiry: NodeJS.Timeout;
  /** The socket's work, one item at a time: start-up first, then each frame in order. */
  queue: Promise<void>;
}

/**
 * The WebSocket gateway at `/v1/realtime?token=<JWT>`. Frames in: `resume`, `typing`, `ping`.
 * Frames out: `{ type, position, data }` — log events in order with their event-store
 * position, ephemeral `typing`/`presence` with position null, plus `ready` and `error`.
 */
export function createRealtimeGateway(deps: {
  events: EventStore;
  positions: EventPositions;
  redis: Redis;
  prefix: string;
  fanout: () => Fanout;
  presence: Presence;
  clock: Clock;
  logger: Logger;
  options: RealtimeOptions;
  claimsOf(token: string): Promise<UserClaims | null>;
  conversationIdsOf(projectId: string, identity: string): Promise<string[]>;
  changedMessages: ChangedMessages;
  /** An identity's conversations as of a point of the log (see membership.ts). */
  membershipAt(projectId: string, identity: string, at: EventCursor): Promise<Set<string> | null>;
  tailerCursor(): { transactionId: string; position: number } | null;
}) {
  const { options } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes });
  const connections = new Map<string, Connection>();
  const rooms = createRooms<Connection>();
  const replayView = createReplayView(deps.changedMessages);
  /** Sockets whose session holds live events in its buffer: they get every project event. */
  const buffering = new Set<Connection>();
  const now = () => deps.clock.now().getTime();
  const typing = createTyping({
    redis: deps.redis,
    prefix: deps.prefix,
    throttleMs: options.typingThrottleMs,
    expiryMs: options.typingExpiryMs,
    broadcast: (projectId, conversationId, frame, except) =>
      eachMember(projectId, conversationId, (c) => c.session.identity !== except && send(c, frame)),
  });
  const upkeep = createPresenceUpkeep({
    presence: deps.presence,
    sockets: () =>
      [...connections.values()].map((c) => ({
        projectId: c.session.projectId,
        identity: c.session.identity,
        socketId: c.id,
      })),
    announce: async (change, status) => publishPresence(change, status),
    now,
    intervalMs: Math.max(50, options.presenceTtlMs / 3),
    logger: deps.logger,
  });

  /** Sends a text frame: an object (serialised here) or a frame already serialised. */
  function send(connection: Connection, frame: OutgoingFrame | Buffer) {
    const { ws } = connection;
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > options.maxBufferedBytes) {
      ws.close(4008, 'too slow');
      return;
    }
    if (Buffer.isBuffer(frame)) ws.send(frame, { binary: false });
    else ws.send(JSON.stringify(frame));
  }

  function eachMember(projectId: string, conversationId: string, fn: (c: Connection) => void) {
    for (const c of rooms.in(conversationId)) if (c.session.projectId === projectId) fn(c);
  }

  function open(ws: WebSocket, socket: Duplex, claims: UserClaims) {
    const id = randomUUID();
    // Built in steps: the session's set of conversations is tied to the connection (rooms).
    const connection = { id, ws, socket, queue: Promise.resolve() } as Connection;
    connection.conversations = rooms.setFor(connection);
    connection.session = createSession({
      projectId: claims.projectId,
      identity: claims.identity,
      conversations: connection.conversations,
      start: deps.tailerCursor(),
      sendEvent: (event) => send(connection, frameOf(event)),
      buffering: (on) => {
        if (on && connections.has(id)) buffering.add(connection);
        else buffering.delete(connection);
      },
      events: deps.events,
      positions: deps.positions,
      membershipAt: (at) => deps.membershipAt(claims.projectId, claims.identity, at),
      replayView,
    });
    const { session } = connection;
    connection.expiry = setTimeout(
      () => ws.close(4001, 'token expired'),
      Math.max(0, claims.expiresAt * 1000 - now()),
    );
    connections.set(id, connection);
    buffering.add(connection);
    const run = (work: () => Promise<void>) => {
      connection.queue = connection.queue.then(work).catch((err) => {
        deps.logger.warn({ err }, 'realtime frame failed');
        send(connection, { type: 'error', position: null, data: { code: 'internal' } });
      });
    };
    const bucket = createTokenBucket({
      capacity: options.frameBurst,
      perSecond: options.framesPerSecond,
      now,
    });
    let limited = false;
    ws.on('message', (raw, isBinary) => {
      if (limited) return;
      if (!bucket.take()) {
        // Frames already accepted are answered first: closing now would drop their replies.
        limited = true;
        run(async () => ws.close(1008, 'rate limit'));
        return;
      }
      run(() => onFrame(connection, isBinary ? null : raw.toString()));
    });
    ws.on('close', () => void close(connection));
    ws.on('error', () => undefined);
    run(async () => {
      await session.init(() => deps.conversationIdsOf(claims.projectId, claims.identity));
      const begin = setTimeout(() => run(() => session.begin()), options.resumeWindowMs);
      begin.unref();
      send(connection, {
        type: 'ready',
        position: session.position(),
        data: { identity: claims.identity },
      });
      if (await deps.presence.connect(claims.projectId, claims.identity, id, now())) {
        await publishPresence(session, 'online', session.conversations);
      }
    });
  }

  /**
   * Tells every instance that an identity came online or went offline, for the members of its
   * conversations: those of its session when it has one here, else read from the database
   * (an identity whose sockets a sweep found expired has no session anywhere).
   */
  async function publishPresence(
    who: PresenceChange,
    status: 'online' | 'offline',
    conversations?: Iterable<string>,
  ) {
    const conversationIds = conversations
      ? [...conversations]
      : await deps.conversationIdsOf(who.projectId, who.identity);
    deps.fanout().publish({
      kind: 'presence',
      projectId: who.projectId,
      identity: who.identity,
      status,
      conversationIds,
    });
  }

  async function close(connection: Connection) {
    clearTimeout(connection.expiry);
    connections.delete(connection.id);
    buffering.delete(connection);
    connection.conversations.detach();
    const { session } = connection;
    if (
      await deps.presence
        .disconnect(session.projectId, session.identity, connection.id)
        .catch(() => false)
    ) {
      await publishPresence(session, 'offline', session.conversations);
    }
  }

  async function onFrame(connection: Connection, text: string | null) {
    let frame: { type?: unknown; position?: unknown; conversation_id?: unknown } = {};
    try {
      frame = text === null ? {} : JSON.parse(text);
    } catch {
      // answered below as a bad frame
    }
    const { session } = connection;
    if (
      frame?.type === 'resume' &&
      Number.isSafeInteger(frame.position) &&
      (frame.position as number) >= 0
    ) {
      const outcome = await session.resume(frame.position as number);
      if (outcome === 'ok') return;
      session.skipTo(deps.tailerCursor());
      send(connection, {
        type: 'resync_required',
        position: session.position(),
        data: { reason: outcome },
      });
    } else if (frame?.type === 'typing' && typeof frame.conversation_id === 'string') {
      if (!session.conversations.has(frame.conversation_id)) {
        send(connection, { type: 'error', position: null, data: { code: 'not_a_member' } });
        return;
      }
      await typing.start(session.projectId, frame.conversation_id, session.identity, deps.fanout());
    } else if (frame?.type === 'ping') {
      send(connection, { type: 'pong', position: null, data: {} });
    } else {
      send(connection, { type: 'error', position: null, data: { code: 'bad_frame' } });
    }
  }

  async function upgrade(server: Server, req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const webSocket = req.headers.upgrade?.toLowerCase() === 'websocket';
    if (url.pathname !== REALTIME_PATH || !webSocket) {
      return answerWithoutUpgrade(server, req, socket, deps.logger);
    }
    const token = url.searchParams.get('token');
    const claims = token ? await deps.claimsOf(token).catch(() => null) : null;
    if (!claims) {
      return endWithProblem(
        socket,
        new UnauthorizedError(
          'Connect with a valid user token: /v1/realtime?token=<JWT>.',
          'invalid_token',
        ),
        REALTIME_PATH,
      );
    }
    wss.handleUpgrade(req, socket, head, (ws) => open(ws, socket, claims));
  }

  return {
    attach(server: Server) {
      server.on('upgrade', (req, socket, head) => void upgrade(server, req, socket, head));
    },
    /**
     * Says goodbye to every socket (1001 going away), terminating stragglers after a second:
     * the HTTP server's close waits for upgraded connections, so this runs before it.
     */
    goAway() {
      for (const c of connections.values()) c.ws.close(1001, 'server shutting down');
      setTimeout(() => {
        for (const c of connections.values()) c.ws.terminate();
      }, 1000).unref();
    },
    start() {
      upkeep.start();
    },
    async stop() {
      upkeep.stop();
      typing.stop();
      for (const c of connections.values()) c.ws.terminate();
      await Promise.all([...connections.values()].map((c) => close(c)));
      wss.close();
    },
    /** Committed log events, in log order, from this process's tailer (see dispatch.ts). */
    dispatch: createDispatcher({
      rooms,
      all: () => connections.values(),
      buffering,
      logger: deps.logger,
    }),
    /** Ephemeral messages from any instance. */
    onLive(message: LiveMessage) {
      if (message.kind === 'typing') typing.received(message);
      if (message.kind === 'presence') {
        const frame = {
          type: 'presence',
          position: null,
          data: { identity: message.identity, status: message.status },
        };
        for (const c of rooms.inAny(message.conversationIds)) {
          if (c.session.projectId === message.projectId && c.session.identity !== message.identity)
            send(c, frame);
        }
      }
    },
    connectionCount: () => connections.size,
  };
}
