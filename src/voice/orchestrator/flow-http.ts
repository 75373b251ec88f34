import { request, type Dispatcher } from 'undici';
import type { HttpRequestCommand } from '../../flows/index.js';
import type { Logger } from '../../platform/index.js';

const MAX_ANSWER_BYTES = 64 * 1024;

/** The answer a flow's `webhook` step gets: status 0 means no answer at all. */
export interface FlowHttpAnswer {
  status: number;
  body?: unknown;
}

/** The `webhook` verb's HTTP client; `signal` aborts it when the caller hangs up. */
export interface FlowHttp {
  send(command: HttpRequestCommand, signal: AbortSignal): Promise<FlowHttpAnswer>;
}

async function readJson(body: AsyncIterable<Buffer>): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) return undefined;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Asks the app at a flow step's URL. The URL is checked with the same rules as callback URLs
 * (`checkUrl`: WEBHOOK_ALLOW_PRIVATE semantics); the step's `timeout` bounds the whole
 * exchange; answers over 64 KB or not JSON count as having no body. Never throws: every
 * failure is `{ status: 0 }`, which the flow sends to `on_error`.
 */
export function createFlowHttp(deps: {
  checkUrl(url: string): Promise<void>;
  /** Connects only to addresses the SSRF rules allow, re-checked at connect time (DNS rebinding). */
  dispatcher?: Dispatcher;
  logger: Logger;
}): FlowHttp {
  return {
    async send(command, signal) {
      try {
        await deps.checkUrl(command.url);
        const timeout = AbortSignal.timeout(command.timeout * 1000);
        const response = await request(command.url, {
          method: command.method,
          dispatcher: deps.dispatcher,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Trunkline-Flow/1',
            accept: 'application/json',
          },
          body: command.method === 'POST' ? JSON.stringify(command.body) : undefined,
          signal: AbortSignal.any([signal, timeout]),
          headersTimeout: command.timeout * 1000,
          bodyTimeout: command.timeout * 1000,
        });
        const body = await readJson(response.body);
        return { status: response.statusCode, body };
      } catch (err) {
        deps.logger.info({ err: (err as Error).message, url: command.url }, 'flow webhook failed');
        return { status: 0 };
      }
    },
  };
}
