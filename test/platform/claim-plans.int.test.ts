import { expect } from 'chai';
import {
  CLAIM_MESSAGES_SQL,
  createSendClaimsStore,
} from '../../src/messaging/send-claims.store.js';
import {
  createDb,
  ORDERED_CLAIM_SETTINGS,
  runClaim,
  type SqlFragment,
} from '../../src/platform/index.js';
import {
  CLAIM_DELIVERIES_SQL,
  createDeliveriesStore,
  recordAttemptsSql,
  releaseSql,
} from '../../src/webhooks/deliveries.store.js';
import { createTestProject, harnessSettings, startApp, type TestApp } from '../support/harness.js';

/**
 * The two claims (due webhook deliveries, due messages) during a backlog that built up faster
 * than the statistics follow: the tables are analyzed first, then 4,000 finished rows and
 * 8,000 due ones arrive. Left to itself, the planner trusted the old statistics, expected a
 * few due rows, and read and sorted every due row to claim 200. Under `runClaim`'s settings
 * it reads the due index in order and stops at the limit. The batch updates of the claimed
 * rows must likewise find them by key, not through the due index.
 */
describe('claims of due rows during a backlog', () => {
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
    await db.raw('analyze webhook_deliveries, messages');
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
    await db.raw(
      `insert into messages (id, project_id, direction, to_addr, from_addr, body, status,
                             encoding, segments, next_attempt_at)
       select 'msg_claimplan' || lpad(g::text, 8, '0'), ?, 'outbound', '+14155550100',
              'Plans', 'claim plan', case when g <= ? then 'delivered' else 'queued' end,
              'GSM-7', 1,
              case when g <= ? then null
                   else now() - interval '1 hour' + (? - g) * interval '1 ms' end
         from generate_series(1, ?) g`,
      [projectId, DONE, DONE, DONE + DUE, DONE + DUE],
    );
  });

  after(async () => {
    await app.runtime.db('webhook_deliveries').where({ project_id: projectId }).delete();
    await app.runtime.db('messages').where({ project_id: projectId }).delete();
    await app.stop();
  });

  /** The plan a claim gets in its own transaction, under `runClaim`'s settings. */
  async function claimPlan(sql: string): Promise<string> {
    const now = new Date();
    return app.runtime.db.transaction(async (trx) => {
      await trx.raw(ORDERED_CLAIM_SETTINGS);
      const { rows } = await trx.raw<{ rows: Array<{ 'QUERY PLAN': string }> }>(`explain ${sql}`, [
        now,
        200,
        new Date(now.getTime() + 60_000),
      ]);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
  }

  it('reads the due index of webhook deliveries in order, without sorting the backlog', async () => {
    const plan = await claimPlan(CLAIM_DELIVERIES_SQL);
    expect(plan).to.match(/Index Scan using webhook_deliveries_due on webhook_deliveries/);
    expect(plan).not.to.match(/Sort|Seq Scan|Bitmap Heap Scan on webhook_deliveries\s/);
  });

  it('reads the due index of messages in order, without sorting the backlog', async () => {
    const plan = await claimPlan(CLAIM_MESSAGES_SQL);
    expect(plan).to.match(/Index Scan using messages_due on messages/);
    expect(plan).not.to.match(/Sort|Seq Scan|Bitmap Heap Scan on messages\s/);
  });

  /** The plan of a batch statement, with its bindings (no settings of its own). */
  async function planOf(fragment: SqlFragment): Promise<string> {
    const { rows } = await app.runtime.db.raw<{ rows: Array<{ 'QUERY PLAN': string }> }>(
      `explain ${fragment.sql}`,
      fragment.bindings,
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  /** Fifty of the backlog's deliveries, as a dispatcher holds them. */
  const heldIds = Array.from(
    { length: 50 },
    (_, i) => `whd_plan${String(DONE + 1 + i * 7).padStart(8, '0')}`,
  );

  it('finds the deliveries of a batch of attempts by primary key, not through the due index', async () => {
    const now = new Date();
    const plan = await planOf(
      recordAttemptsSql(
        heldIds.map((id, i) => ({
          attempt: {
            id: `wha_plan${i}`,
            delivery_id: id,
            project_id: projectId,
            number: 1,
            attempted_at: now,
            status_code: 200,
            latency_ms: 1,
            error: null,
            response_snippet: '',
          },
          update: { status: 'succeeded' as const, next_attempt_at: null, updated_at: now },
        })),
      ),
    );
    expect(plan).to.match(/Index Scan (using|on) webhook_deliveries_pkey/);
    expect(plan).not.to.match(/webhook_deliveries_due|Seq Scan on webhook_deliveries/);
  });

  it('finds the deliveries it hands back by primary key, not through the due index', async () => {
    const plan = await planOf(releaseSql(heldIds.map((id) => ({ id, at: new Date() }))));
    expect(plan).to.match(/Index Scan (using|on) webhook_deliveries_pkey/);
    expect(plan).not.to.match(/webhook_deliveries_due|Seq Scan on webhook_deliveries/);
  });

  /** The ids of the `count` oldest due rows: due times fall as the ids rise. */
  const oldestDue = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, i) => `${prefix}${String(DONE + DUE - i).padStart(8, '0')}`);

  it('claims exactly its limit of webhook deliveries, the oldest due first', async () => {
    const now = new Date();
    const store = createDeliveriesStore(app.runtime.db);
    const claimed = await store.claimDue(now, 200, new Date(now.getTime() + 60_000));
    expect(claimed.map((d) => d.id).sort()).to.deep.equal(oldestDue('whd_plan', 200).sort());
  });

  it('claims exactly its limit of messages, the oldest due first', async () => {
    const now = new Date();
    const store = createSendClaimsStore(app.runtime.db);
    const claimed = await store.claimDue(now, 200, new Date(now.getTime() + 60_000));
    expect(claimed.map((m) => m.id).sort()).to.deep.equal(oldestDue('msg_claimplan', 200).sort());
  });

  describe('runClaim, one simple query', () => {
    it("leaves its connection with the planner's own settings, after a claim and after a failure", async () => {
      const single = createDb(harnessSettings.databaseUrl, 1);
      try {
        const now = new Date('2000-01-01T00:00:00Z');
        const claim = { now, limit: 5, leaseUntil: now };
        expect(await runClaim(single, CLAIM_DELIVERIES_SQL, claim)).to.deep.equal([]);
        const failed = await runClaim(
          single,
          'select * from no_such_table where a <= ? limit ? and b = ?',
          claim,
        ).then(
          () => null,
          (err: Error) => err,
        );
        expect(failed?.message).to.match(/no_such_table/);
        const { rows } = await single.raw<{ rows: Array<{ seq: string; bitmap: string }> }>(
          "select current_setting('enable_seqscan') as seq, current_setting('enable_bitmapscan') as bitmap",
        );
        expect(rows[0]).to.deep.equal({ seq: 'on', bitmap: 'on' });
      } finally {
        await single.destroy();
      }
    });

    it('refuses a limit that is not a whole number, before sending anything', async () => {
      const now = new Date();
      const failed = await runClaim(app.runtime.db, CLAIM_DELIVERIES_SQL, {
        now,
        limit: 1.5,
        leaseUntil: now,
      }).then(
        () => null,
        (err: Error) => err,
      );
      expect(failed?.message).to.match(/whole number/);
    });
  });
});
