import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import pg from 'pg';
import {
  createSilentLogger,
  dropDatabase,
  ensureDatabase,
  listenFor,
  type Listener,
} from '../../src/platform/index.js';

/**
 * The LISTEN connection that wakes the dispatchers, on a database of its own: the test kills
 * its session and refuses new connections for a while, as a PostgreSQL restart would.
 */
const baseUrl =
  process.env.TEST_DATABASE_URL ??
  process.env.DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/trunkline';
const name = `trunkline_listen_${process.pid}_${randomBytes(3).toString('hex')}`;
const databaseUrl = (() => {
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
})();
const adminUrl = (() => {
  const url = new URL(baseUrl);
  url.pathname = '/postgres';
  return url.toString();
})();
const CHANNEL = 'trunkline_listen_test';

async function onAdmin<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Kills the listener's session (the only one listening in the test's database). */
function killListener(): Promise<number> {
  return onAdmin(async (admin) => {
    const { rows } = await admin.query<{ killed: boolean }>(
      `select pg_terminate_backend(pid) as killed from pg_stat_activity
        where datname = $1 and query like 'listen %'`,
      [name],
    );
    return rows.length;
  });
}

function setConnectable(allowed: boolean): Promise<void> {
  return onAdmin(async (admin) => {
    await admin.query(`alter database ${pg.escapeIdentifier(name)} allow_connections ${allowed}`);
  });
}

/** NOTIFYs the channel every 50 ms until `heard` holds or `ms` pass; whether it held. */
async function notifyUntil(heard: () => boolean, ms: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await client.query(`notify ${CHANNEL}, 'ping'`);
      if (heard()) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return heard();
  } finally {
    await client.end();
  }
}

async function listenersIn(): Promise<number> {
  return onAdmin(async (admin) => {
    const { rows } = await admin.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = $1 and query like 'listen %'`,
      [name],
    );
    return rows[0].n;
  });
}

describe('listenFor (the dispatchers’ wake-up connection)', function () {
  this.timeout(20_000);
  let listener: Listener | null = null;
  let heard = 0;

  before(() => ensureDatabase(databaseUrl));
  after(async () => {
    await setConnectable(true);
    await dropDatabase(databaseUrl);
  });
  beforeEach(async () => {
    heard = 0;
    listener = await listenFor({
      databaseUrl,
      channel: CHANNEL,
      logger: createSilentLogger(),
      onNotify: () => {
        heard += 1;
      },
      retryMs: 100,
    });
  });
  afterEach(async () => {
    await listener?.stop();
    listener = null;
    await setConnectable(true);
  });

  it('hears a NOTIFY on its channel', async () => {
    expect(await notifyUntil(() => heard > 0, 2000)).to.equal(true);
  });

  it('listens again after its session is killed', async () => {
    expect(await killListener()).to.equal(1);
    heard = 0;
    expect(await notifyUntil(() => heard > 0, 5000)).to.equal(true);
  });

  it('keeps trying while the database refuses connections, and listens again once it accepts them', async () => {
    await setConnectable(false);
    expect(await killListener()).to.equal(1);
    // Refused for longer than a retry period many times over (one try every 100 ms; a
    // listener that tried once and gave up stayed deaf until the process restarted).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await listenersIn()).to.equal(0);
    await setConnectable(true);
    heard = 0;
    expect(await notifyUntil(() => heard > 0, 5000)).to.equal(true);
  });

  it('leaves no connection behind when stopped while it waits to reconnect', async () => {
    await setConnectable(false);
    await killListener();
    await new Promise((resolve) => setTimeout(resolve, 250));
    await listener!.stop();
    listener = null;
    await setConnectable(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await listenersIn()).to.equal(0);
  });
});
