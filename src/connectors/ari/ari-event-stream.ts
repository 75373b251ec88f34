import WebSocket from 'ws';
import type { Logger } from '../../platform/index.js';
import { computeReconnectDelay, type ReconnectPolicy } from './reconnect-delay.js';

export interface AriEventStreamOptions {
  /** `ws(s)://host:port/ari/events?app=...`. */
  url: string;
  /** Sent on the upgrade request, so credentials stay out of URLs and access logs. */
  authorization: string;
  reconnect: ReconnectPolicy;
  /** Ping period; a socket that misses one pong is dropped and redialled. 0 disables. */
  heartbeatMs: number;
  /** Deadline for the opening handshake. */
  handshakeTimeoutMs: number;
}

export interface AriEventStreamHandlers {
  /** One parsed JSON message, in arrival order. */
  onMessage(message: unknown): void;
  /** Called on each transition: true when a socket opens, false when an open one closes. */
  onConnectionChange(up: boolean): void;
}

export interface AriEventStream {
  readonly ready: boolean;
  close(): Promise<void>;
}

/**
 * The ARI event WebSocket, kept open for as long as the process wants it: every close or
 * failed attempt schedules another with exponential back-off and jitter, with no attempt limit
 * (ari-client gives up after ten). Socket errors are logged, never thrown; a stale socket's
 * late events are ignored.
 */
export function openAriEventStream(
  options: AriEventStreamOptions,
  handlers: AriEventStreamHandlers,
  deps: { logger: Logger; random: () => number },
): AriEventStream {
  const { logger } = deps;
  let current: WebSocket | null = null;
  let up = false;
  let closed = false;
  let attempt = 0;
  let retryTimer: NodeJS.Timeout | null = null;
  let stopHeartbeat = () => {};

  function connect(): void {
    retryTimer = null;
    if (closed) return;
    const ws = dial(options);
    current = ws;
    ws.on('open', () => ws === current && onOpen(ws));
    ws.on('message', (data) => ws === current && deliver(data, handlers, logger));
    ws.on('error', (err) => logger.warn({ err: err.message }, 'ARI WebSocket error'));
    ws.on('close', (code) => ws === current && onClose(code));
  }

  function onOpen(ws: WebSocket): void {
    attempt = 0;
    up = true;
    logger.info('ARI WebSocket connected');
    stopHeartbeat = startHeartbeat(ws, options.heartbeatMs, logger);
    handlers.onConnectionChange(true);
  }

  function onClose(code: number): void {
    stopHeartbeat();
    current = null;
    if (up) {
      up = false;
      logger.warn({ code }, 'ARI WebSocket closed');
      handlers.onConnectionChange(false);
    }
    if (closed) return;
    const delay = computeReconnectDelay(attempt, options.reconnect, deps.random);
    attempt += 1;
    logger.debug({ attempt, delay }, 'ARI WebSocket reconnect scheduled');
    retryTimer = setTimeout(connect, delay);
  }

  connect();
  return {
    get ready() {
      return up;
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      stopHeartbeat();
      const ws = current;
      current = null;
      up = false;
      if (ws) await terminate(ws);
    },
  };
}

function dial(options: AriEventStreamOptions): WebSocket {
  return new WebSocket(options.url, {
    headers: { authorization: options.authorization },
    handshakeTimeout: options.handshakeTimeoutMs,
  });
}

function deliver(data: WebSocket.RawData, handlers: AriEventStreamHandlers, logger: Logger) {
  let message: unknown;
  try {
    message = JSON.parse(data.toString());
  } catch {
    logger.warn('ARI WebSocket sent a message that is not JSON; ignored');
    return;
  }
  handlers.onMessage(message);
}

/**
 * Pings every `intervalMs`; a socket that has not answered the previous ping is terminated,
 * which closes it and so triggers a reconnect. Returns the stop function.
 */
function startHeartbeat(ws: WebSocket, intervalMs: number, logger: Logger): () => void {
  if (intervalMs <= 0) return () => {};
  let alive = true;
  ws.on('pong', () => {
    alive = true;
  });
  const timer = setInterval(() => {
    if (!alive) {
      logger.warn('ARI WebSocket missed a heartbeat; reconnecting');
      ws.terminate();
      return;
    }
    alive = false;
    try {
      ws.ping();
    } catch {
      ws.terminate();
    }
  }, intervalMs);
  return () => clearInterval(timer);
}

function terminate(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    ws.once('close', () => resolve());
    ws.terminate();
  });
}
