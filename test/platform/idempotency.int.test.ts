import { expect } from 'chai';
import { createTestProject, startApp, type TestApp, type TestProject } from '../support/harness.js';
import { clientFor } from '../support/http.js';
import { pruneIdempotencyKeys } from '../../src/platform/index.js';

describe('Idempotency-Key', () => {
  let app: TestApp;
  let project: TestProject;
  let api: ReturnType<typeof clientFor>;
  before(async () => {
    app = await startApp({ roles: { worker: false } });
    project = await createTestProject(app);
    api = clientFor(app.url, project.apiKey);
  });
  after(() => app.stop());

  const rotate = (key: string, body: unknown = {}) =>
    api('POST', '/v1/project/webhook-secret/rotate', { body, headers: { 'idempotency-key': key } });

  it('replays the first response with Idempotent-Replayed: true', async () => {
    const first = await rotate('k-replay');
    const second = await rotate('k-replay');
    expect(first.status).to.equal(200);
    expect(second.status).to.equal(200);
    expect(second.body).to.deep.equal(first.body);
    expect(second.headers.get('idempotent-replayed')).to.equal('true');
    expect(first.headers.get('idempotent-replayed')).to.equal(null);
  });

  it('answers 422 when the key comes back with a different body', async () => {
    await rotate('k-diff', {});
    const res = await api('POST', '/v1/project/webhook-secret/rotate', {
      body: { other: true },
      headers: { 'idempotency-key': 'k-diff' },
    });
    expect(res.status).to.equal(422);
    expect(res.body.code).to.equal('idempotency_key_reused');
  });

  it('produces one result for concurrent duplicates', async () => {
    const before = (await app.runtime.services.accounts.signingSecrets(project.id)).length;
    const responses = await Promise.all(Array.from({ length: 10 }, () => rotate('k-race')));
    const secrets = new Set(responses.map((r) => r.body.webhook_secret));
    expect(responses.every((r) => r.status === 200)).to.equal(true);
    expect(secrets.size).to.equal(1);
    const after = (await app.runtime.services.accounts.signingSecrets(project.id)).length;
    expect(after).to.equal(before + 1);
  });

  it('scopes keys to the project', async () => {
    const other = await createTestProject(app);
    const mine = await rotate('k-scope');
    const theirs = await clientFor(app.url, other.apiKey)(
      'POST',
      '/v1/project/webhook-secret/rotate',
      {
        body: {},
        headers: { 'idempotency-key': 'k-scope' },
      },
    );
    expect(theirs.status).to.equal(200);
    expect(theirs.body.webhook_secret).not.to.equal(mine.body.webhook_secret);
  });

  it('prunes records older than 48 hours and keeps younger ones', async () => {
    const db = app.runtime.db;
    const now = new Date();
    await db('idempotency_keys').insert([
      {
        project_id: project.id,
        key: 'k-old',
        request_hash: 'x',
        created_at: new Date(now.getTime() - 49 * 3600_000),
      },
      {
        project_id: project.id,
        key: 'k-young',
        request_hash: 'x',
        created_at: new Date(now.getTime() - 47 * 3600_000),
      },
    ]);
    await pruneIdempotencyKeys(db, now);
    const left = await db('idempotency_keys')
      .where({ project_id: project.id })
      .whereIn('key', ['k-old', 'k-young'])
      .pluck('key');
    expect(left).to.deep.equal(['k-young']);
  });

  it('answers 400 for a key longer than 255 characters', async () => {
    const res = await rotate('x'.repeat(256));
    expect(res.status).to.equal(400);
  });
});
