import { WebSocket } from 'ws';
import type { TestResponse } from '../support/http.js';

/** One frame the server pushed. */
export interface Frame {
  type: string;
  position: number | null;
  data: Record<string, unknown>;
}

/** A test WebSocket client that records every frame and how the socket closed. */
export interface RealtimeClient {
  frames: Frame[];
  send(frame: unknown): void;
  sendRaw(data: string | Buffer): void;
  waitFor(predicate: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export function realtimeUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/v1/realtime?token=${encodeURIComponent(token)}`;
}

/** Opens a socket and waits for the server's `ready` frame. */
export async function connectRealtime(baseUrl: string, token: string): Promise<RealtimeClient> {
  const ws = new WebSocket(realtimeUrl(baseUrl, token));
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (raw) => {
    frames.push(JSON.parse(raw.toString()) as Frame);
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const waitFor = (predicate: (frame: Frame) => boolean, timeoutMs = 3000) =>
    new Promise<Frame>((resolve, reject) => {
      const check = () => {
        const found = frames.find(predicate);
        if (!found) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(
            `no matching frame within ${timeoutMs} ms; got ${frames.map((f) => f.type).join(',')}`,
          ),
        );
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  await waitFor((f) => f.type === 'ready');
  return {
    frames,
    send: (frame) => ws.send(JSON.stringify(frame)),
    sendRaw: (data) => ws.send(data),
    waitFor,
    closed,
    async close() {
      if (ws.readyState !== ws.CLOSED) {
        ws.close();
        await closed;
      }
    },
  };
}

/** The HTTP answer to a WebSocket handshake the server refuses (it must not open). */
export function refusedConnection(baseUrl: string, token: string): Promise<TestResponse<unknown>> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(realtimeUrl(baseUrl, token));
    ws.on('error', () => undefined);
    ws.on('open', () => reject(new Error('the socket opened')));
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const headers = new Headers(res.headers as Record<string, string>);
        resolve({ status: res.statusCode!, headers, text, body: JSON.parse(text) as unknown });
      });
    });
  });
}
