import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import {
  ADMIN_TOKEN,
  createTestProject,
  harnessSettings,
  startApp,
  type TestApp,
} from '../support/harness.js';
import { call, eventually } from '../support/http.js';
import { freePort } from '../support/net.js';

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
  }, 30_000);
  return child;
}

describe('Idempotency-Key across an API crash', () => {
  let app: TestApp;

  /** SQL that makes the INSERT of the `table` row matching `condition` sleep 2 s. */
  const slowInsert = (table: string, condition: string) => `
    create or replace function test_slow_${table}() returns trigger language plpgsql as $$
    begin
      if ${condition} then perform pg_sleep(2); end if;
      return new;
    end $$;
    create trigger test_slow_${table} before insert on ${table}
      for each row execute function test_slow_${table}();`;

  before(async () => {
    app = await startApp();
    // The one send and the one call this test makes take 2 s in the database: time to kill
    // the process that asked for them.
    await app.runtime.db.raw(
      slowInsert('messages', "new.body = 'sent while the API dies'") +
        slowInsert('calls', "new.to_addr = '+14155550792'"),
    );
  });
  after(async () => {
    for (const table of ['messages', 'calls']) {
      await app.runtime.db.raw(`drop trigger if exists test_slow_${table} on ${table};
        drop function if exists test_slow_${table}();`);
    }
    await app.stop();
  });

  /**
   * Posts `path` with an Idempotency-Key to an API process, kills it while the statement that
   * saves the resource sleeps in its trigger (PostgreSQL finishes and commits it without its
   * client), then retries against the test app: the answer must be the first one, replayed.
   */
  async function retryAfterCrash(
    apiKey: string,
    path: string,
    body: Record<string, unknown>,
    table: 'messages' | 'calls',
    projectId: string,
  ) {
    const port = await freePort();
    const api = await startApiProcess(port);
    const request = { key: apiKey, headers: { 'idempotency-key': `crash-${table}` }, body };
    const first = call(`http://127.0.0.1:${port}`, 'POST', path, request).catch(() => null);
    await eventually(async () => {
      const { rows } = await app.runtime.db.raw<{ rows: unknown[] }>(
        `select 1 from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid()
            and wait_event = 'PgSleep'`,
      );
      return rows.length > 0 ? true : undefined;
    }, 10_000);
    api.kill('SIGKILL');
    await first;
    const saved = await eventually(
      async () =>
        app.runtime
          .db(table)
          .where({ project_id: projectId })
          .first<{ id: string } | undefined>('id'),
      10_000,
    );
    const retry = await call(app.url, 'POST', path, request);
    expect(retry.status).to.equal(201);
    expect(retry.headers.get('idempotent-replayed')).to.equal('true');
    expect(retry.body.id).to.equal(saved.id);
    const count = await app.runtime.db(table).where({ project_id: projectId }).count();
    expect(Number(count[0].count), 'one resource').to.equal(1);
  }

  it('replays the first answer to a retried send when the API died after saving the message', async function () {
    this.timeout(40_000);
    const project = await createTestProject(app, 'crash-sms');
    await retryAfterCrash(
      project.apiKey,
      '/v1/messages',
      { to: '+14155550791', from: 'Trunkline', body: 'sent while the API dies' },
      'messages',
      project.id,
    );
  });

  it('replays the first answer to a retried call when the API died after queueing it', async function () {
    this.timeout(40_000);
    const project = await createTestProject(app, 'crash-call');
    const from = '+14155550793';
    const owned = await call(app.url, 'POST', '/v1/numbers', {
      key: project.apiKey,
      body: { number: from },
    });
    expect(owned.status).to.equal(201);
    await retryAfterCrash(
      project.apiKey,
      '/v1/calls',
      { to: '+14155550792', from, flow: { start: 'bye', steps: { bye: { verb: 'hangup' } } } },
      'calls',
      project.id,
    );
  });
});
