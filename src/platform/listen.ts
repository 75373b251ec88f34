import pg from 'pg';
import type { Logger } from './logger.js';

/** A LISTEN connection that comes back by itself; see `listenFor`. */
export interface Listener {
  stop(): Promise<void>;
}

/**
 * Calls `onNotify` with the payload of every NOTIFY on `channel`, on a connection of its own
 * (LISTEN needs a session, not a pooled connection). A lost connection is logged and opened
 * again a second later; the caller's periodic sweep covers what is missed meanwhile.
 * Resolves once the first LISTEN is in place.
 */
export async function listenFor(options: {
  databaseUrl: string;
  channel: string;
  logger: Logger;
  onNotify(payload: string | undefined): void;
}): Promise<Listener> {
  let client: pg.Client | null = null;
  let stopped = false;

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: options.databaseUrl });
    next.on('error', (err) => {
      options.logger.warn(
        { err, channel: options.channel },
        'notification listener lost; the sweep covers until it is back',
      );
      client = null;
      void next.end().catch(() => undefined);
      if (!stopped) setTimeout(() => void connect().catch(() => undefined), 1000).unref();
    });
    next.on('notification', (message) => options.onNotify(message.payload));
    await next.connect();
    await next.query(`listen ${pg.escapeIdentifier(options.channel)}`);
    client = next;
  }

  await connect();
  return {
    async stop() {
      stopped = true;
      await client?.end().catch(() => undefined);
      client = null;
    },
  };
}
