import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Logger } from '../platform/index.js';

/**
 * A stand-in for a customer's app: an HTTP server that checks each request with the
 * reference `standardwebhooks` package (an implementation independent of ours) and keeps
 * what it received. Tests use it as the webhook target; `trunkline webhooks listen` wraps
 * it to print events while developing against a local Trunkline.
 */

/** One request the receiver got, verified or not. */
export interface ReceivedEvent {
  /** `webhook-id` (the event id; the same on every retry), or '' when absent. */
  id: string;
  /** The event `type` from the JSON body, or null when the body is not an event. */
  type: string | null;
  data: unknown;
  body: string;
  headers: Record<string, string>;
  verified: boolean;
  /** Why verification failed (the verifier's message), or null when verified. */
  reason: string | null;
  /** 1 for the first request with this `webhook-id`, 2 for its first retry, ... */
  attempt: number;
  /** The status code the receiver answered with. */
  status: number;
  receivedAt: Date;
}

/** Chooses the answer to a request; default 200 when verified, 401 when not. */
export type RespondWith = (event: ReceivedEvent, attempt: number) => number | Promise<number>;

export interface WebhookReceiverOptions {
  /** The `whsec_...` secret the endpoint was registered with. */
  secret: string;
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  logger: Logger;
  respond?: RespondWith;
  /** Called after each request is answered (the CLI prints verified events here). */
  onEvent?: (event: ReceivedEvent) => void;
}

export interface WebhookReceiver {
  /** Starts listening; `url` is the endpoint to register as the callback URL. */
  start(): Promise<{ url: string }>;
  /** Closes the server and every open connection; pending `waitFor` calls reject. */
  stop(): Promise<void>;
  /** Every request received so far, oldest first. */
  readonly events: ReceivedEvent[];
  /** Resolves with the first event (past or future) matching `predicate`. */
  waitFor(predicate: (event: ReceivedEvent) => boolean, timeoutMs: number): Promise<ReceivedEvent>;
}

const MAX_BODY_BYTES = 1024 * 1024;

interface Waiter {
  predicate: (event: ReceivedEvent) => boolean;
  resolve: (event: ReceivedEvent) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function inspect(webhook: Webhook, body: string, headers: Record<string, string>) {
  let verified = false;
  let reason: string | null = null;
  try {
    webhook.verify(body, headers, { jsonParse: false });
    verified = true;
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  }
  let type: string | null = null;
  let data: unknown = null;
  try {
    const parsed = JSON.parse(body) as { type?: unknown; data?: unknown };
    type = typeof parsed.type === 'string' ? parsed.type : null;
    data = parsed.data ?? null;
  } catch {
    // Not JSON: recorded with type and data null; the signature verdict still stands.
  }
  return { verified, reason, type, data };
}

/** The recorded events and the `waitFor` calls still waiting for one. */
function createEventLog() {
  const events: ReceivedEvent[] = [];
  let waiters: Waiter[] = [];
  return {
    events,
    record(event: ReceivedEvent) {
      events.push(event);
      const matched = waiters.filter((waiter) => waiter.predicate(event));
      waiters = waiters.filter((waiter) => !matched.includes(waiter));
      for (const waiter of matched) {
        clearTimeout(waiter.timer);
        waiter.resolve(event);
      }
    },
    waitFor(predicate: (event: ReceivedEvent) => boolean, timeoutMs: number) {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise<ReceivedEvent>((resolve, reject) => {
        const waiter: Waiter = {
          predicate,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters = waiters.filter((w) => w !== waiter);
            reject(new Error(`no matching webhook arrived within ${timeoutMs} ms`));
          }, timeoutMs),
        };
        waiters.push(waiter);
      });
    },
    rejectWaiting() {
      for (const waiter of waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error('webhook receiver stopped'));
      }
      waiters = [];
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<{ url: string }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({ url: `http://${shown}:${address.port}/` });
    });
  });
}

/** Creates (but does not start) a verifying webhook receiver. */
export function createWebhookReceiver(options: WebhookReceiverOptions): WebhookReceiver {
  const webhook = new Webhook(options.secret);
  const log = createEventLog();
  const attempts = new Map<string, number>();
  const respond: RespondWith = options.respond ?? ((event) => (event.verified ? 200 : 401));

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const body = await readBody(req);
    if (body === null) {
      res.writeHead(413).end();
      return;
    }
    const headers = flattenHeaders(req);
    const id = headers['webhook-id'] ?? '';
    const attempt = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, attempt);
    const checked = inspect(webhook, body, headers);
    const event: ReceivedEvent = {
      id,
      ...checked,
      body,
      headers,
      attempt,
      status: 0,
      receivedAt: new Date(),
    };
    event.status = await respond(event, attempt);
    res.writeHead(event.status, { 'content-type': 'text/plain' }).end(`${event.status}\n`);
    const { type, verified, reason } = event;
    options.logger.info({ webhook: { id, type, verified, reason, attempt } }, 'webhook received');
    log.record(event);
    options.onEvent?.(event);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger.error({ err: error }, 'webhook receiver failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  return {
    events: log.events,
    start: () => listen(server, options.port ?? 0, options.host ?? '127.0.0.1'),
    stop() {
      log.rejectWaiting();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    waitFor: log.waitFor,
  };
}
