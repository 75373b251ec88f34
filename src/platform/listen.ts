import pg from 'pg';
import type { Logger } from './logger.js';
import { PG_KEEPALIVE } from './db.js';

/** A LISTEN connection that comes back by itself; see `listenFor`. */
export interface Listener {
  stop(): Promise<void>;
}

/** How long a lost listener waits before it connects again, and between failed tries. */
const RETRY_MS = 1000;

/**
 * Calls `onNotify` with the payload of every NOTIFY on `channel`, on a connection of its own
 * (LISTEN needs a session, not a pooled connection). A lost connection is logged and opened
 * again `retryMs` later, and again every `retryMs` for as long as the database refuses it (a
 * restart, a failover); the caller's periodic sweep covers what is missed meanwhile.
 * Resolves once the first LISTEN is in place (rejects if that one cannot be made).
 */
export async function listenFor(options: {
  databaseUrl: string;
  channel: string;
  logger: Logger;
  onNotify(payload: string | undefined): void;
  retryMs?: number;
}): Promise<Listener> {
  const retryMs = options.retryMs ?? RETRY_MS;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  let stopped = false;

  function connectLater(): void {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = null;
      connect().catch((err: unknown) => {
        options.logger.warn(
          { err, channel: options.channel },
          'notification listener could not reconnect; trying again',
        );
        connectLater();
      });
    }, retryMs);
    retry.unref();
  }

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: options.databaseUrl, ...PG_KEEPALIVE });
    let lost = false;
    next.on('error', (err) => {
      if (lost) return;
      lost = true;
      options.logger.warn(
        { err, channel: options.channel },
        'notification listener lost; the sweep covers until it is back',
      );
      if (client === next) client = null;
      void next.end().catch(() => undefined);
      connectLater();
    });
    next.on('notification', (message) => options.onNotify(message.payload));
    try {
      await next.connect();
      await next.query(`listen ${pg.escapeIdentifier(options.channel)}`);
    } catch (err) {
      lost = true;
      await next.end().catch(() => undefined);
      throw err;
    }
    if (stopped) {
      // Stopped while this connection was being made: it must not outlive the listener.
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
  }

  await connect();
  return {
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      retry = null;
      await client?.end().catch(() => undefined);
      client = null;
    },
  };
}
