import { expect } from 'chai';
import { pruneExpired } from '../../src/housekeeping.js';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';

describe('housekeeping', () => {
  let app: TestApp;
  before(async () => {
    app = await startApp({ roles: { worker: false, orchestrator: false } });
  });
  after(() => app.stop());

  const DAY = 24 * 3600_000;

  it('deletes by age what is kept only for a while, and keeps the rest', async () => {
    const { db } = app.runtime;
    const project = await createTestProject(app, 'retention');
    const now = new Date();
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const tag = `hk${Date.now()}`;
    await db('outbox').insert([
      {
        id: `${tag}-old-done`,
        queue: 'q',
        name: 'n',
        payload: {},
        created_at: ago(2 * DAY),
        completed_at: ago(2 * DAY),
      },
      { id: `${tag}-old-open`, queue: 'q', name: 'n', payload: {}, created_at: ago(2 * DAY) },
      {
        id: `${tag}-new-done`,
        queue: 'q',
        name: 'n',
        payload: {},
        created_at: ago(3600_000),
        completed_at: ago(3600_000),
      },
    ]);
    await db('connectors').insert({ id: `con_${tag}`, kind: 'http', name: 'c', secret: 's' });
    await db('ingress_events').insert([
      {
        connector_id: `con_${tag}`,
        provider_event_id: 'old',
        kind: 'dlr',
        payload: {},
        received_at: ago(31 * DAY),
      },
      {
        connector_id: `con_${tag}`,
        provider_event_id: 'new',
        kind: 'dlr',
        payload: {},
        received_at: ago(DAY),
      },
    ]);
    const delivery = (id: string, status: string, created: Date) => ({
      id,
      project_id: project.id,
      event_id: `evt_${id}`,
      event_type: 'message.sent',
      url: 'https://example.com/hook',
      body: '{}',
      status,
      max_attempts: 3,
      created_at: created,
    });
    await db('webhook_deliveries').insert([
      delivery(`${tag}-old-ok`, 'succeeded', ago(31 * DAY)),
      delivery(`${tag}-old-pending`, 'pending', ago(31 * DAY)),
      delivery(`${tag}-old-failed`, 'failed', ago(31 * DAY)),
      delivery(`${tag}-new-ok`, 'succeeded', ago(29 * DAY)),
    ]);
    await db('webhook_attempts').insert({
      id: `${tag}-attempt`,
      delivery_id: `${tag}-old-ok`,
      project_id: project.id,
      number: 1,
      attempted_at: ago(31 * DAY),
      status_code: 200,
      latency_ms: 5,
    });

    const pruned = await pruneExpired(db, now, { webhookLogDays: 30 });
    expect(pruned.outbox).to.be.at.least(1);
    const ids = async (table: string, column: string) =>
      (await db(table).whereLike(column, `%${tag}%`).select(column)).map((r) => r[column]).sort();
    expect(await ids('outbox', 'id')).to.deep.equal([`${tag}-new-done`, `${tag}-old-open`]);
    expect(
      (await db('ingress_events').where({ connector_id: `con_${tag}` })).map(
        (r) => r.provider_event_id,
      ),
    ).to.deep.equal(['new']);
    expect(await ids('webhook_deliveries', 'id'), 'a failed one is kept').to.deep.equal([
      `${tag}-new-ok`,
      `${tag}-old-failed`,
      `${tag}-old-pending`,
    ]);
    expect(await ids('webhook_attempts', 'id'), 'attempts go with their delivery').to.deep.equal(
      [],
    );

    await db('webhook_deliveries').insert(delivery(`${tag}-old-kept`, 'succeeded', ago(90 * DAY)));
    const kept = await pruneExpired(db, now, { webhookLogDays: 0 });
    expect(kept.webhook_deliveries, '0 keeps the delivery log').to.equal(0);
    expect(await ids('webhook_deliveries', 'id')).to.include(`${tag}-old-kept`);
    // The run's database is shared: a connector left behind is listed by the ingress tests.
    await db('connectors')
      .where({ id: `con_${tag}` })
      .delete();
  });
});
