import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import {
  ADMIN_TOKEN,
  createTestProject,
  harnessSettings,
  startApp,
  type TestApp,
} from '../support/harness.js';
import { call, eventually } from '../support/http.js';

/** A free TCP port on loopback. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The API role as its own process (`trunkline api`), on the run's database and Redis, so the
 * test can kill it with SIGKILL as a crash would.
 */
async function startApiProcess(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'api'], {
    env: {
      ...process.env,
      DATABASE_URL: harnessSettings.databaseUrl,
      REDIS_URL: harnessSettings.redisUrl,
      REDIS_PREFIX: harnessSettings.redisPrefix,
      ADMIN_TOKEN,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
    },
    stdio: 'ignore',
  });
  await eventually(async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
    return res?.ok ? true : undefined;
  }, 15_000);
  return child;
}

describe('Idempotency-Key across an API crash', () => {
  let app: TestApp;

  before(async () => {
    app = await startApp();
    // The one send this test makes takes 2 s in the database: time to kill its process.
    await app.runtime.db.raw(`
      create or replace function test_slow_insert() returns trigger language plpgsql as $$
      begin
        if new.body = 'sent while the API dies' then perform pg_sleep(2); end if;
        return new;
      end $$;
      create trigger test_slow_insert before insert on messages
        for each row execute function test_slow_insert();`);
  });
  after(async () => {
    await app.runtime.db.raw(`drop trigger if exists test_slow_insert on messages;
      drop function if exists test_slow_insert();`);
    await app.stop();
  });

  it('replays the first answer to a retry when the API died after saving the message', async function () {
    this.timeout(40_000);
    const project = await createTestProject(app, 'crash');
    const port = await freePort();
    const api = await startApiProcess(port);
    const request = {
      key: project.apiKey,
      headers: { 'idempotency-key': 'crash-1' },
      body: { to: '+14155550791', from: 'Trunkline', body: 'sent while the API dies' },
    };
    const first = call(`http://127.0.0.1:${port}`, 'POST', '/v1/messages', request).catch(
      () => null,
    );
    // The save is in the database, asleep in the trigger.
    await eventually(async () => {
      const { rows } = await app.runtime.db.raw<{ rows: unknown[] }>(
        `select 1 from pg_stat_activity where pid <> pg_backend_pid() and wait_event = 'PgSleep'`,
      );
      return rows.length > 0 ? true : undefined;
    }, 10_000);
    api.kill('SIGKILL');
    await first;
    // The statement was under way: PostgreSQL finishes and commits it without its client.
    const saved = await eventually(async () => {
      const row = await app.runtime
        .db('messages')
        .where({ project_id: project.id })
        .first<{ id: string } | undefined>('id');
      return row;
    }, 10_000);
    const retry = await call(app.url, 'POST', '/v1/messages', request);
    expect(retry.status).to.equal(201);
    expect(retry.headers.get('idempotent-replayed')).to.equal('true');
    expect(retry.body.id).to.equal(saved.id);
    const count = await app.runtime.db('messages').where({ project_id: project.id }).count();
    expect(Number(count[0].count)).to.equal(1);
  });
});
