import { expect } from 'chai';
import {
  CLAIM_DELIVERIES_SQL,
  CLAIM_PLAN_SETTINGS,
  createDeliveriesStore,
} from '../../src/webhooks/deliveries.store.js';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';

/**
 * The webhook dispatchers' claim during a backlog that built up faster than the statistics
 * follow: the table is analyzed first, then 4,000 delivered rows and 8,000 due ones arrive.
 * Left to itself, the planner trusted the old statistics, expected a few due rows, and read
 * and sorted every due row to claim 200. Under the claim's settings it reads the due index in
 * order and stops at its limit.
 */
describe('the webhook claim during a backlog', () => {
  const DONE = 4_000;
  const DUE = 8_000;
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
                                       attempts, max_attempts, next_attempt_at)
       select 'whd_plan' || lpad(g::text, 8, '0'), ?, 'evt_plan' || g, 'message.sent',
              'https://receiver.invalid/hook', '{}',
              case when g <= ? then 'succeeded' else 'pending' end,
              case when g <= ? then 1 else 0 end, 8,
              case when g <= ? then null
                   else now() - interval '1 hour' + (? - g) * interval '1 ms' end
         from generate_series(1, ?) g`,
      [projectId, DONE, DONE, DONE, DONE + DUE, DONE + DUE],
    );
  });

  after(async () => {
    await app.runtime.db('webhook_deliveries').where({ project_id: projectId }).delete();
    await app.stop();
  });

  /** The plan the claim gets in its own transaction, under its settings. */
  async function claimPlan(): Promise<string> {
    const now = new Date();
    return app.runtime.db.transaction(async (trx) => {
      await trx.raw(CLAIM_PLAN_SETTINGS);
      const { rows } = await trx.raw<{ rows: Array<{ 'QUERY PLAN': string }> }>(
        `explain ${CLAIM_DELIVERIES_SQL}`,
        [now, 200, new Date(now.getTime() + 60_000)],
      );
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
  }

  it('reads the due index in order and stops at the limit, without sorting the backlog', async () => {
    const plan = await claimPlan();
    expect(plan).to.match(/Index Scan using webhook_deliveries_due on webhook_deliveries/);
    expect(plan).not.to.match(/Sort|Seq Scan|Bitmap Heap Scan on webhook_deliveries\s/);
  });

  it('claims exactly its limit, the oldest due first', async () => {
    const now = new Date();
    const store = createDeliveriesStore(app.runtime.db);
    const claimed = await store.claimDue(now, 200, new Date(now.getTime() + 60_000));
    expect(claimed).to.have.length(200);
    // The due times fall as the ids rise: the oldest due are the highest ids.
    const expected = Array.from(
      { length: 200 },
      (_, i) => `whd_plan${String(DONE + DUE - i).padStart(8, '0')}`,
    );
    expect(claimed.map((d) => d.id).sort()).to.deep.equal(expected.sort());
  });
});
