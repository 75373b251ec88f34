import { Agent, request } from 'undici';
import { AppError } from '../../platform/index.js';
import { mapAriStatus, mapAriTransportError, type AriOperation } from './ari-errors.js';

/** Where ARI lives and how we authenticate, parsed from `ARI_URL`. */
export interface AriEndpoint {
  /** `http(s)://host:port` with no credentials and no trailing slash. */
  origin: string;
  username: string;
  password: string;
}

/**
 * Parses `http://user:password@host:8088` (a trailing `/` or `/ari` is accepted). Credentials
 * are required: ARI has no anonymous access.
 */
export function parseAriUrl(url: string): AriEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError(500, 'invalid_ari_url', 'ARI_URL is not a valid URL.', { retryable: false });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new AppError(500, 'invalid_ari_url', 'ARI_URL must be http:// or https://.', {
      retryable: false,
    });
  }
  if (!parsed.username || !parsed.password) {
    throw new AppError(500, 'invalid_ari_url', 'ARI_URL must include user:password.', {
      retryable: false,
    });
  }
  return {
    origin: parsed.origin,
    username: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
}

/** `Basic …` for the configured ARI user; sent on REST calls and the WebSocket upgrade. */
export function basicAuthorization(endpoint: AriEndpoint): string {
  const token = Buffer.from(`${endpoint.username}:${endpoint.password}`).toString('base64');
  return `Basic ${token}`;
}

export type AriQuery = Record<string, string | number | boolean | undefined>;

/** One ARI REST call; resolves with the body of a 2xx answer, or null when a mapped status
 * counts as done (idempotent operations). */
export interface AriHttp {
  call(
    operation: AriOperation,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    query?: AriQuery,
  ): Promise<Buffer | null>;
  close(): Promise<void>;
}

/**
 * REST over a keep-alive undici pool, with a deadline on every request: ARI calls that get no
 * answer must fail (ari-client's swagger layer leaves them pending forever when Asterisk is
 * down), and statuses must stay readable for mapping.
 */
export function createAriHttp(endpoint: AriEndpoint, timeoutMs: number): AriHttp {
  const agent = new Agent({
    connections: 16,
    keepAliveTimeout: 10_000,
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const authorization = basicAuthorization(endpoint);

  async function call(
    operation: AriOperation,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    query: AriQuery = {},
  ): Promise<Buffer | null> {
    const url = `${endpoint.origin}/ari${path}${toQueryString(query)}`;
    let statusCode: number;
    let body: Buffer;
    try {
      const response = await request(url, {
        method,
        dispatcher: agent,
        headers: { authorization, accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      statusCode = response.statusCode;
      body = Buffer.from(await response.body.arrayBuffer());
    } catch (err) {
      throw mapAriTransportError(operation, err);
    }
    if (statusCode >= 200 && statusCode < 300) return body;
    const error = mapAriStatus(operation, statusCode, readMessage(body));
    if (error) throw error;
    return null;
  }

  return {
    call,
    close: async () => {
      await agent.close();
    },
  };
}

function toQueryString(query: AriQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const encoded = params.toString();
  return encoded ? `?${encoded}` : '';
}

/** ARI error bodies are `{ "message": "..." }`; anything else is kept as text, shortened. */
function readMessage(body: Buffer): string {
  const raw = body.toString('utf8');
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === 'object' && parsed !== null && 'message' in parsed) {
      return String((parsed as { message: unknown }).message);
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return raw.slice(0, 200);
}
