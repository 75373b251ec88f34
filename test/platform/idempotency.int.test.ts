import { expect } from 'chai';
import {
  ADMIN_TOKEN,
  createTestProject,
  startApp,
  type TestApp,
  type TestProject,
} from '../support/harness.js';
import { clientFor } from '../support/http.js';
import { startChatKit } from '../chat/chat-kit.js';
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

  it('replays the very bytes it first sent, for a stored answer and for a created message', async () => {
    const first = await rotate('k-bytes');
    const second = await rotate('k-bytes');
    expect(second.text).to.equal(first.text);
    const send = () =>
      api('POST', '/v1/messages', {
        body: { to: '+14155550772', from: 'Trunkline', body: 'same bytes twice' },
        headers: { 'idempotency-key': 'k-bytes-message' },
      });
    const created = await send();
    const replayed = await send();
    expect(created.status).to.equal(201);
    expect(replayed.headers.get('idempotent-replayed')).to.equal('true');
    expect(replayed.text).to.equal(created.text);
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

  it('replays a repeat whose JSON fields come in another order', async () => {
    const send = (body: string) =>
      fetch(`${app.url}/v1/project/webhook-secret/rotate`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${project.apiKey}`,
          'content-type': 'application/json',
          'idempotency-key': 'k-order',
        },
        body,
      });
    const first = await send('{"a":1,"b":{"c":2,"d":[3,{"e":4,"f":5}]}}');
    const second = await send('{"b":{"d":[3,{"f":5,"e":4}],"c":2},"a":1}');
    expect([first.status, second.status]).to.deep.equal([200, 200]);
    expect(second.headers.get('idempotent-replayed')).to.equal('true');
  });

  it('produces one result for concurrent duplicates', async () => {
    const created = async () =>
      Number(
        (
          await app.runtime
            .db('webhook_secrets')
            .where({ project_id: project.id })
            .count({ n: '*' })
        )[0].n,
      );
    const before = await created();
    const responses = await Promise.all(Array.from({ length: 10 }, () => rotate('k-race')));
    const secrets = new Set(responses.map((r) => r.body.webhook_secret));
    expect(responses.every((r) => r.status === 200)).to.equal(true);
    expect(secrets.size).to.equal(1);
    expect(await created()).to.equal(before + 1);
  });

  it("honours the key on the operator's admin requests, also those of a later router", async () => {
    const admin = clientFor(app.url, ADMIN_TOKEN);
    const create = () =>
      admin('POST', '/admin/v1/projects', {
        body: { name: 'once' },
        headers: { 'idempotency-key': 'admin-once' },
      });
    const [first, second] = [await create(), await create()];
    expect(first.status).to.equal(201);
    expect(second.status).to.equal(201);
    expect(second.body.id).to.equal(first.body.id);
    expect(second.headers.get('idempotent-replayed')).to.equal('true');
    // Connectors are routed after the admin router: both guards run, the key is claimed once.
    const connector = () =>
      admin('POST', '/admin/v1/connectors', {
        body: { kind: 'http', name: 'once' },
        headers: { 'idempotency-key': 'admin-connector' },
      });
    const [a, b] = [await connector(), await connector()];
    expect([a.status, b.status]).to.deep.equal([201, 201]);
    expect(b.body.id).to.equal(a.body.id);
    // The operator's keys are their own: a project using the same key is not answered with them.
    const mine = await api('POST', '/v1/project/webhook-secret/rotate', {
      headers: { 'idempotency-key': 'admin-once' },
    });
    expect(mine.status).to.equal(200);
  });

  it('stores an answer that shows a secret once sealed, and replays it to the same credential', async () => {
    const admin = clientFor(app.url, ADMIN_TOKEN);
    const mint = () =>
      admin<{ api_key: string }>('POST', `/admin/v1/projects/${project.id}/keys`, {
        body: {},
        headers: { 'idempotency-key': 'sealed-key' },
      });
    const first = await mint();
    expect(first.status).to.equal(201);
    const rows = await app.runtime
      .db('idempotency_keys')
      .whereIn('key', ['sealed-key'])
      .select(app.runtime.db.raw('response_body::text as text'));
    expect(rows).to.have.length(1);
    expect(rows[0].text, 'no key in the table').not.to.include(first.body.api_key);
    const replayed = await mint();
    expect(replayed.headers.get('idempotent-replayed')).to.equal('true');
    expect(replayed.text).to.equal(first.text);
  });

  it('refuses to replay a sealed answer to another credential (422 idempotency_answer_sealed)', async () => {
    const other = clientFor(
      app.url,
      (
        await clientFor(app.url, ADMIN_TOKEN)<{ api_key: string }>(
          'POST',
          `/admin/v1/projects/${project.id}/keys`,
          { body: {} },
        )
      ).body.api_key,
    );
    const first = await rotate('sealed-rotate');
    expect(first.status).to.equal(200);
    const again = await other('POST', '/v1/project/webhook-secret/rotate', {
      body: {},
      headers: { 'idempotency-key': 'sealed-rotate' },
    });
    expect(again.status).to.equal(422);
    expect(again.body.code).to.equal('idempotency_answer_sealed');
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

  it('replays a problem answer for the same key and body at once', async () => {
    const send = () =>
      api('POST', '/v1/tokens', {
        body: { identity: '' },
        headers: { 'idempotency-key': 'k-problem' },
      });
    const first = await send();
    const started = Date.now();
    const second = await send();
    expect(first.status).to.equal(400);
    expect(second.status).to.equal(400);
    expect(second.body).to.deep.equal(first.body);
    expect(second.headers.get('idempotent-replayed')).to.equal('true');
    expect(second.headers.get('content-type')).to.match(/^application\/problem\+json/);
    // It waited 10 s for an answer that was never stored, then said 409 in progress.
    expect(Date.now() - started).to.be.below(2000);
  });

  it("keeps one end user's key and answer from the project's other users", async () => {
    const kit = await startChatKit(app);
    const alice = await kit.as('alice');
    const bob = await kit.as('bob');
    const conversation = (
      await alice<{ id: string }>('POST', '/v1/conversations', {
        body: { type: 'group', members: ['bob'] },
      })
    ).body.id;
    const say = (who: typeof alice) =>
      who<{ id: string; author: string }>('POST', `/v1/conversations/${conversation}/messages`, {
        body: { body: 'same words' },
        headers: { 'idempotency-key': 'k-user' },
      });
    const mine = await say(alice);
    const theirs = await say(bob);
    expect([mine.status, theirs.status]).to.deep.equal([201, 201]);
    expect(theirs.headers.get('idempotent-replayed')).to.equal(null);
    expect(theirs.body.author).to.equal('bob');
    expect(theirs.body.id).not.to.equal(mine.body.id);
  });

  it('releases a key whose first request never answered, after a minute', async () => {
    await app.runtime.db('idempotency_keys').insert({
      project_id: project.id,
      key: 'k-abandoned',
      request_hash: 'a request whose process died',
      created_at: new Date(Date.now() - 61_000),
    });
    const started = Date.now();
    const res = await rotate('k-abandoned');
    expect(res.status).to.equal(200);
    expect(res.body.webhook_secret).to.be.a('string');
    expect(Date.now() - started).to.be.below(2000);
    expect((await rotate('k-abandoned')).headers.get('idempotent-replayed')).to.equal('true');
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
