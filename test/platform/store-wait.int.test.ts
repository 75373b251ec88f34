import { expect } from 'chai';
import net from 'node:net';
import { createSilentLogger, StoreWaitError, waitForStores } from '../../src/platform/index.js';
import { harnessSettings } from '../support/harness.js';
import { freePort } from '../support/net.js';

/** Forwards `port` to the real Redis, from now on. */
async function redisAppearsOn(port: number): Promise<net.Server> {
  const target = new URL(harnessSettings.redisUrl);
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

describe('waiting for the stores at start', () => {
  const logger = createSilentLogger();
  const wait = (urls: { databaseUrl?: string; redisUrl?: string }, waitMs: number) =>
    waitForStores({
      databaseUrl: urls.databaseUrl ?? harnessSettings.databaseUrl,
      redisUrl: urls.redisUrl ?? harnessSettings.redisUrl,
      waitMs,
      logger,
    });

  it('goes on once a store that was down starts answering within the wait', async () => {
    const port = await freePort();
    const waiting = wait({ redisUrl: `redis://127.0.0.1:${port}` }, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const proxy = await redisAppearsOn(port);
    try {
      await waiting;
    } finally {
      proxy.close();
    }
  });

  it('gives up after the wait, naming the setting and address but not the password', async () => {
    const port = await freePort();
    const started = Date.now();
    const err = await wait({ redisUrl: `redis://:hunter2@127.0.0.1:${port}` }, 600).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(StoreWaitError);
    const message = (err as Error).message;
    expect(message).to.include(`Redis at 127.0.0.1:${port} (REDIS_URL) did not answer within`);
    expect(message).to.include('ECONNREFUSED');
    expect(message).not.to.include('hunter2');
    expect(Date.now() - started).to.be.below(3_000);
  });

  it('fails at once when PostgreSQL answers with a refusal of its own', async () => {
    const url = new URL(harnessSettings.databaseUrl);
    url.username = 'no_such_role_here';
    const started = Date.now();
    const err = await wait({ databaseUrl: url.toString() }, 20_000).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as Error).message).to.match(
      /^PostgreSQL at .* \(DATABASE_URL\) refused: role "no_such_role_here" does not exist/,
    );
    expect(Date.now() - started).to.be.below(5_000);
  });

  it('counts a database that does not exist yet as PostgreSQL answering (migrate creates it)', async () => {
    const url = new URL(harnessSettings.databaseUrl);
    url.pathname = '/trunkline_never_created_here';
    await wait({ databaseUrl: url.toString() }, 5_000);
  });
});
