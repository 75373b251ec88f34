import { expect } from 'chai';
import { ADMIN_TOKEN, createTestProject, startApp, type TestApp } from '../support/harness.js';
import { call, eventually } from '../support/http.js';

/** Two API instances on one database and Redis, each with its own in-process caches. */
describe('project and key caches across API instances', () => {
  let a: TestApp;
  let b: TestApp;
  before(async () => {
    a = await startApp({ roles: { worker: false } });
    b = await startApp({ roles: { worker: false } });
  });
  after(async () => {
    await a.stop();
    await b.stop();
  });

  it('shows a PATCH made on one instance in a GET on the other', async () => {
    const project = await createTestProject(a);
    const before = await call(b.url, 'GET', '/v1/project', { key: project.apiKey });
    expect(before.body.name).to.equal('test');
    const patched = await call(a.url, 'PATCH', '/v1/project', {
      key: project.apiKey,
      body: { name: 'renamed' },
    });
    expect(patched.body.name).to.equal('renamed');
    const mine = await call(a.url, 'GET', '/v1/project', { key: project.apiKey });
    expect(mine.body.name).to.equal('renamed');
    await eventually(async () => {
      const other = await call(b.url, 'GET', '/v1/project', { key: project.apiKey });
      expect(other.body.name).to.equal('renamed');
      return true;
    });
  });

  it('refuses a key on every instance once it is revoked on one', async () => {
    const project = await createTestProject(a);
    const created = await call(a.url, 'POST', `/admin/v1/projects/${project.id}/keys`, {
      key: ADMIN_TOKEN,
    });
    const key = created.body.api_key as string;
    expect((await call(b.url, 'GET', '/v1/project', { key })).status).to.equal(200);
    const revoked = await call(a.url, 'DELETE', `/admin/v1/keys/${created.body.id as string}`, {
      key: ADMIN_TOKEN,
    });
    expect(revoked.status).to.equal(200);
    expect((await call(a.url, 'GET', '/v1/project', { key })).status).to.equal(401);
    await eventually(async () => {
      expect((await call(b.url, 'GET', '/v1/project', { key })).status).to.equal(401);
      return true;
    });
  });

  it('shows a rotated secret hint on the other instance', async () => {
    const project = await createTestProject(a);
    await call(b.url, 'GET', '/v1/project', { key: project.apiKey });
    const rotated = await call(a.url, 'POST', '/v1/project/webhook-secret/rotate', {
      key: project.apiKey,
    });
    await eventually(async () => {
      const other = await call(b.url, 'GET', '/v1/project', { key: project.apiKey });
      expect(other.body.webhook_secret_hint).to.equal(rotated.body.webhook_secret_hint);
      return true;
    });
  });
});

describe('project cache inside transactions', () => {
  let app: TestApp;
  before(async () => {
    app = await startApp({ roles: { worker: false } });
  });
  after(async () => {
    await app.stop();
  });

  it('reads a missed project on the caller transaction, so a full pool cannot deadlock', async () => {
    const project = await createTestProject(app);
    const { accounts } = app.runtime.services;
    await accounts.updateProject(project.id, { webhook_url: 'https://example.com/hook' });
    // Three times the pool: every pooled connection is held by a transaction that then misses.
    const lookups = Array.from({ length: 30 }, () =>
      app.runtime.db.transaction(async (trx) => {
        await trx.raw('select pg_sleep(0.05)');
        return accounts.projectWebhookUrl(trx, project.id);
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('transactions waited on the pool')), 10_000);
    });
    try {
      const urls = await Promise.race([Promise.all(lookups), stuck]);
      expect(new Set(urls)).to.deep.equal(new Set(['https://example.com/hook']));
    } finally {
      clearTimeout(timer);
    }
  });
});
