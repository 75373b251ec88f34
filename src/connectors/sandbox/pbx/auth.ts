import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * ARI accepts the configured user either as HTTP Basic credentials or as an
 * `api_key=user:password` query parameter (what ari-client sends on the WebSocket). Both are
 * compared in constant time.
 */
export function isAuthorized(
  req: IncomingMessage,
  url: URL,
  credentials: { username: string; password: string },
): boolean {
  const expected = `${credentials.username}:${credentials.password}`;
  const header = req.headers.authorization ?? '';
  if (header.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    if (sameSecret(decoded, expected)) return true;
  }
  const apiKey = url.searchParams.get('api_key');
  return apiKey !== null && sameSecret(apiKey, expected);
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
