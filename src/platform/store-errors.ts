/** Socket errors of a connection to PostgreSQL or Redis that is down or gone. */
const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * A store we depend on is down, not the request wrong: PostgreSQL refusing connections or
 * shutting down (SQLSTATE class 08, 57P01–57P03, 53300), a socket error, a connection that
 * ended mid-query, or knex's pool giving up waiting for a connection.
 */
export function isStoreUnavailable(err: unknown): boolean {
  const { code, name, message } = (err ?? {}) as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
  };
  if (typeof code === 'string') {
    // 08P01 (protocol violation) is a statement's own fault, e.g. too many parameters.
    if (CONNECTION_ERRNOS.has(code) || (code.startsWith('08') && code !== '08P01')) return true;
    if (code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true;
  }
  if (name === 'KnexTimeoutError') return true;
  return (
    typeof message === 'string' && /^Connection terminated|^Connection is closed/.test(message)
  );
}
