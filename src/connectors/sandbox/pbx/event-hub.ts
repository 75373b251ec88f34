import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { Logger } from '../../../platform/index.js';
import { ASTERISK_ID, formatAsteriskTime } from './ari-json.js';
import type { AriEventType } from './ari-models.js';

/**
 * The `/ari/events` WebSocket. Like Asterisk, one socket owns an application at a time: a new
 * subscription to the same app sends ApplicationReplaced to the previous socket, which then
 * gets no more events. Events for an app with no socket are dropped.
 */
export interface EventHub {
  /** Completes an authenticated upgrade for the comma-separated `apps`. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, apps: string[]): void;
  publish(app: string, type: AriEventType, body: Record<string, unknown>): void;
  isConnected(app: string): boolean;
  /** Cuts every socket abruptly, as a network failure would. */
  dropAll(): void;
  close(): void;
}

export function createEventHub(logger: Logger): EventHub {
  const server = new WebSocketServer({ noServer: true });
  const owners = new Map<string, WebSocket>();

  function subscribe(ws: WebSocket, apps: string[]): void {
    for (const app of apps) {
      const previous = owners.get(app);
      owners.set(app, ws);
      if (previous && previous !== ws) send(previous, app, 'ApplicationReplaced', {});
    }
    ws.on('error', (err) => logger.debug({ err: err.message }, 'sandbox PBX socket error'));
    ws.on('close', () => {
      for (const app of apps) if (owners.get(app) === ws) owners.delete(app);
    });
  }

  function send(ws: WebSocket, app: string, type: AriEventType, body: Record<string, unknown>) {
    if (ws.readyState !== WebSocket.OPEN) return;
    const message = {
      type,
      timestamp: formatAsteriskTime(new Date()),
      ...body,
      asterisk_id: ASTERISK_ID,
      application: app,
    };
    ws.send(JSON.stringify(message));
  }

  return {
    accept(req, socket, head, apps) {
      server.handleUpgrade(req, socket, head, (ws) => subscribe(ws, apps));
    },
    publish(app, type, body) {
      const ws = owners.get(app);
      if (ws) send(ws, app, type, body);
    },
    isConnected(app) {
      return owners.get(app)?.readyState === WebSocket.OPEN;
    },
    dropAll() {
      for (const ws of server.clients) ws.terminate();
      owners.clear();
    },
    close() {
      for (const ws of server.clients) ws.terminate();
      owners.clear();
      server.close();
    },
  };
}
