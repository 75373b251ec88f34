import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The chat ceiling: a bare broadcast server with Trunkline's wire shape and nothing else — no
 * database, no Redis, no authentication. `GET /v1/realtime?token=<conversation id>` joins a
 * socket to a conversation; `POST /v1/conversations/{id}/messages` builds the same message
 * frame Trunkline sends (from a real message as template), serialises it once, sends it to
 * every socket of the conversation and answers 201 with the message.
 */

export interface BareChatServer {
  url: string;
  close(): Promise<void>;
}

const MESSAGES_PATH = /^\/v1\/conversations\/([^/]+)\/messages$/;

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

export async function startBareChatServer(
  template: Record<string, unknown>,
): Promise<BareChatServer> {
  const rooms = new Map<string, Set<WebSocket>>();
  const seqs = new Map<string, number>();
  let position = 0;
  const wss = new WebSocketServer({ noServer: true });

  const server: Server = createServer((req, res) => {
    const match = req.method === 'POST' ? MESSAGES_PATH.exec(req.url ?? '') : null;
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    void readBody(req).then((text) => {
      const input = JSON.parse(text) as { body: string; client_id: string };
      const conversation = match[1];
      const seq = (seqs.get(conversation) ?? 0) + 1;
      seqs.set(conversation, seq);
      position += 1;
      const data = {
        ...template,
        id: `cmsg_bare${position}`,
        conversation_id: conversation,
        seq,
        body: input.body,
        client_id: input.client_id,
        created_at: new Date().toISOString(),
      };
      const frame = JSON.stringify({ type: 'conversation.message.created', position, data });
      for (const ws of rooms.get(conversation) ?? []) ws.send(frame);
      const answer = JSON.stringify(data);
      res.writeHead(201, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(answer),
      });
      res.end(answer);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const conversation = url.searchParams.get('token') ?? '';
    wss.handleUpgrade(req, socket, head, (ws) => {
      const room = rooms.get(conversation) ?? new Set<WebSocket>();
      rooms.set(conversation, room);
      room.add(ws);
      ws.on('error', () => undefined);
      ws.on('close', () => room.delete(ws));
      ws.send(JSON.stringify({ type: 'ready', position, data: {} }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
