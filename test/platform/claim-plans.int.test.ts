import { expect } from 'chai';
import {
  CLAIM_DELIVERIES_SQL,
  createDeliveriesStore,
} from '../../src/webhooks/deliveries.store.js';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';

/**
 * The plan of the webhook dispatchers' claim when a backlog has built up faster than the
 * statistics follow: the table is analyzed first, then 8,000 due deliveries arrive. With an
 * ORDER BY, the planner trusted the old statistics, expected a few due rows, and read and
 * sorted every due row to claim 200. The claim must read the due index and stop at its limit.
 */
describe('the webhook claim during a backlog', () => {
  const ROWS = 8_000;
  let app: TestApp;
  let projectId: string;

  before(async function () {
    this.timeout(30_000);
    // No worker: nothing may claim or send the backlog this file builds.
    app = await startApp({ roles: { worker: false, orchestrator: false } });
    projectId = (await createTestProject(app, 'claim plans')).id;
    const { db } = app.runtime;
    await db.raw('analyze webhook_deliveries');
    await db.raw(
      `insert into webhook_deliveries (id, project_id, event_id, event_type, url, body, status,
                                       max_attempts, next_attempt_at)
       select 'whd_plan' || lpad(g::text, 8, '0'), ?, 'evt_plan' || g, 'message.sent',
              'https://receiver.invalid/hook', '{}', 'pending', 8,
              now() - interval '1 minute' + g * interval '1 ms'
         from generate_series(1, ?) g`,
      [projectId, ROWS],
    );
  });

  after(async () => {
    const { db } = app.runtime;
    await db('webhook_deliveries').where({ project_id: projectId }).delete();
    await app.stop();
  });

  async function planOf(sql: string): Promise<string> {
    const now = new Date();
    const { rows } = await app.runtime.db.raw<{ rows: Array<{ 'QUERY PLAN': string }> }>(
      `explain ${sql}`,
      [now, 200, new Date(now.getTime() + 60_000)],
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  it('claims due deliveries through the due index without sorting the whole backlog', async () => {
    const plan = await planOf(CLAIM_DELIVERIES_SQL);
    expect(plan).to.match(/Index Scan (using|on) webhook_deliveries_due/);
    expect(plan).not.to.match(/Sort/);
  });

  it('claims exactly its limit from a backlog larger than it', async () => {
    const now = new Date();
    const store = createDeliveriesStore(app.runtime.db);
    const claimed = await store.claimDue(now, 200, new Date(now.getTime() + 60_000));
    expect(claimed).to.have.length(200);
    expect(new Set(claimed.map((d) => d.id)).size).to.equal(200);
  });
});
