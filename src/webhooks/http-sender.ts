import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { storableText, type Logger } from '../platform/index.js';
import { createGuardedAgent, type HostLookup } from './url-guard.js';

/**
 * One HTTP attempt of a webhook delivery. The sender never throws: every way an attempt
 * can end (any status, a timeout, a refused or dropped connection, an SSRF refusal) comes
 * back as an `AttemptResult` the worker stores as one line of the delivery log.
 */

/**
 * How an attempt bears on the delivery: done, or try again later. API.md retries any non-2xx,
 * so a 410 Gone (which Standard Webhooks lets a sender take as "stop") is retried too.
 */
export type AttemptOutcome = 'success' | 'retry';

/** What the delivery log keeps per attempt (API.md: response code, latency, error). */
export interface AttemptResult {
  /** 2xx → success; anything else or no answer → retry. */
  outcome: AttemptOutcome;
  /** The HTTP status, or null when no response arrived. */
  statusCode: number | null;
  /** From just before connecting to the end of reading the snippet, milliseconds. */
  latencyMs: number;
  /** Why the attempt failed (`timeout`, `connection refused`...), or null. */
  error: string | null;
  /** The first 1 KB of the response body as UTF-8 text; null when no response arrived. */
  responseSnippet: string | null;
}

/** One request to send: already signed (see `webhookHeaders`). */
export interface SendInput {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Delivers signed webhook requests; one per process, shared by every delivery. */
export interface WebhookSender {
  send(input: SendInput): Promise<AttemptResult>;
  /** Waits for in-flight attempts, then closes kept-alive connections. */
  close(): Promise<void>;
}

export interface WebhookSenderOptions {
  /** WEBHOOK_ALLOW_PRIVATE: when false, connections to non-public addresses are refused. */
  allowPrivate: boolean;
  /** Cap on the whole attempt, connect to last byte read; default 10 000 (API.md). */
  timeoutMs?: number;
  logger: Logger;
  /** DNS resolver for the connect-time SSRF check; the system resolver by default. */
  lookup?: HostLookup;
}

/** How much of a response body is kept; the rest is never read off the socket. */
export const SNIPPET_BYTES = 1024;
export const DEFAULT_SEND_TIMEOUT_MS = 10_000;
const MAX_ERROR_LENGTH = 300;

/** The outcome a status code implies: 2xx is success, anything else is retried. */
export function classifyStatus(statusCode: number): AttemptOutcome {
  return statusCode >= 200 && statusCode < 300 ? 'success' : 'retry';
}

const ERROR_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed before the response was complete',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
};

/** A short, stable description of a failed attempt for the delivery log. */
export function describeSendError(error: unknown): string {
  const err = error instanceof Error ? error : new Error(String(error));
  const code = (err as { code?: unknown }).code;
  if (code === 'ERR_PRIVATE_ADDRESS') return `refused: ${err.message}`;
  const known = typeof code === 'string' ? ERROR_TEXT[code] : undefined;
  const text = known ?? `${typeof code === 'string' ? code : err.name}: ${err.message}`;
  return storableText(text.slice(0, MAX_ERROR_LENGTH));
}

/** Where a URL's requests go, remembered per URL: every attempt to an endpoint asks again. */
const targets = new Map<string, { origin: string; path: string }>();
const MAX_REMEMBERED_TARGETS = 10_000;

function targetOf(url: string): { origin: string; path: string } {
  let target = targets.get(url);
  if (!target) {
    const parsed = new URL(url);
    target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    if (targets.size >= MAX_REMEMBERED_TARGETS) targets.clear();
    targets.set(url, target);
  }
  return target;
}

function originOf(url: string): string {
  try {
    return targetOf(url).origin;
  } catch {
    return 'invalid-url';
  }
}

/** Why this sender ended a response itself: the snippet was full. Never reported. */
const SNIPPET_FULL = new Error('snippet full');

/**
 * One attempt's response, read by undici's dispatch callbacks: the status, and no more than
 * SNIPPET_BYTES of the body (when more comes, the response is aborted, and so its connection
 * dropped, instead of read to the end). A class, not a literal of closures, because one is
 * made per attempt, thousands a second.
 */
class AttemptReader implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private statusCode: number | null = null;
  private size = 0;
  private readonly chunks: Buffer[] = [];
  private done = false;
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly resolve: (result: AttemptResult) => void,
    timeoutMs: number,
  ) {
    this.timer = setTimeout(() => {
      this.failed('timeout');
      // Not started yet (no controller): it is aborted the moment it starts.
      this.controller?.abort(new Error('timeout'));
    }, timeoutMs);
  }

  private finish(result: Omit<AttemptResult, 'latencyMs'>): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.resolve({ ...result, latencyMs: Math.round(performance.now() - this.started) });
  }

  private answered(error: string | null): void {
    this.finish({
      outcome: classifyStatus(this.statusCode!),
      statusCode: this.statusCode,
      error: error === null ? null : `reading the response body: ${error}`,
      // Storable: one NUL in an answer once made the whole batch of attempts fail to be logged.
      responseSnippet: storableText(this.snippet()),
    });
  }

  /** The first SNIPPET_BYTES of the body as UTF-8 (most answers come in one chunk). */
  private snippet(): string {
    if (this.chunks.length === 0) return '';
    const body = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    return body.toString('utf8', 0, Math.min(body.length, SNIPPET_BYTES));
  }

  failed(error: string): void {
    if (this.statusCode === null) {
      this.finish({ outcome: 'retry', statusCode: null, error, responseSnippet: null });
    } else this.answered(error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.done) controller.abort(new Error('timeout'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.statusCode = statusCode;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size >= SNIPPET_BYTES) {
      this.answered(null);
      controller.abort(SNIPPET_FULL);
    }
  }

  onResponseEnd(): void {
    this.answered(null);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.failed(describeSendError(error));
  }
}

/**
 * One POST bounded by `timeoutMs`; every failure becomes a result. Sent through undici's
 * `dispatch` with a handler rather than `request`: the response is read by callbacks, with
 * no stream per response (see `AttemptReader`).
 */
function attempt(agent: Dispatcher, input: SendInput, timeoutMs: number): Promise<AttemptResult> {
  return new Promise<AttemptResult>((resolve) => {
    const reader = new AttemptReader(resolve, timeoutMs);
    try {
      const target = targetOf(input.url);
      agent.dispatch(
        {
          origin: target.origin,
          path: target.path,
          method: 'POST',
          headers: input.headers,
          body: input.body,
        },
        reader,
      );
    } catch (error) {
      reader.failed(describeSendError(error));
    }
  });
}

/**
 * The webhook HTTP sender. Uses undici with the SSRF-guarded agent; redirects are never
 * followed (a 3xx is an ordinary non-2xx result). The whole attempt, body included, is
 * bounded by `timeoutMs`; a receiver that never answers yields `retry` with error `timeout`.
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  const agent = createGuardedAgent({
    allowPrivate: options.allowPrivate,
    timeoutMs,
    lookup: options.lookup,
  });

  return {
    send(input) {
      const sending = attempt(agent, input, timeoutMs);
      if (!options.logger.isLevelEnabled('debug')) return sending;
      return sending.then((result) => logged(input, result));
    },
    close: () => agent.close(),
  };

  function logged(input: SendInput, result: AttemptResult): AttemptResult {
    options.logger.debug(
      {
        webhook: {
          origin: originOf(input.url),
          webhookId: input.headers['webhook-id'],
          outcome: result.outcome,
          statusCode: result.statusCode,
          latencyMs: result.latencyMs,
          error: result.error,
        },
      },
      'webhook attempt',
    );
    return result;
  }
}
