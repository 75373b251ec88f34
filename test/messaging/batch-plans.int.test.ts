import { expect } from 'chai';
import { createMessagesStore, type MessageRow } from '../../src/messaging/messages.store.js';
import type { SqlFragment } from '../../src/platform/index.js';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';

/**
 * The plans PostgreSQL picks for the batch UPDATEs of receipts and status moves, on tables
 * large enough to matter and with fresh statistics. A batch arrives as a jsonb recordset,
 * which the planner always estimates at 100 rows; joined on its own, that made a hash join
 * over a sequential scan of the whole table look cheaper than 100 index probes until the
 * table passed ~30,000 rows. Each batch also names its keys as an array, and this checks the
 * planner then probes the primary key.
 */
describe('batch updates of messages and parts', () => {
  const ROWS = 8_000;
  let app: TestApp;
  let store: ReturnType<typeof createMessagesStore>;
  let sample: MessageRow[];

  before(async function () {
    this.timeout(30_000);
    app = await startApp({ roles: { worker: false, orchestrator: false } });
    const project = await createTestProject(app, 'plans');
    const { db } = app.runtime;
    await db.raw(
      `insert into messages (id, project_id, direction, to_addr, from_addr, body, status,
                             encoding, segments)
       select 'msg_plan' || lpad(g::text, 8, '0'), ?, 'outbound', '+14155550100', 'Plans',
              'plan check', 'sent', 'GSM-7', 1
         from generate_series(1, ?) g`,
      [project.id, ROWS],
    );
    await db.raw(
      `insert into message_parts (message_id, part, connector_id, smsc_id, status)
       select 'msg_plan' || lpad(g::text, 8, '0'), 1, 'plans', 'plan-' || g, 'sent'
         from generate_series(1, ?) g`,
      [ROWS],
    );
    await db.raw('analyze messages, message_parts');
    store = createMessagesStore(db);
    sample = (await db<MessageRow>('messages')
      .where('id', 'like', 'msg_plan%')
      .orderBy('id')
      .limit(20)) as MessageRow[];
  });
  after(() => app.stop());

  async function planOf(fragment: SqlFragment): Promise<string> {
    const { rows } = await app.runtime.db.raw<{ rows: Array<{ 'QUERY PLAN': string }> }>(
      `explain ${fragment.sql}`,
      fragment.bindings,
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  it('finds the messages of a batch update by primary key, not by scanning the table', async () => {
    const plan = await planOf(
      store.updateManySql(sample.map((m) => ({ ...m, status: 'delivered' }))),
    );
    expect(plan).to.match(/Index Scan using messages_pkey on messages/);
    expect(plan).not.to.match(/Seq Scan on messages/);
  });

  it('finds the messages of an optimistic batch move by primary key', async () => {
    const plan = await planOf(
      store.moveManySql(sample.map((m) => ({ known: m, next: { ...m, status: 'delivered' } }))),
    );
    expect(plan).to.match(/Index Scan using messages_pkey on messages/);
    expect(plan).not.to.match(/Seq Scan on messages/);
  });

  it('finds the parts a batch of receipts updates by primary key', async () => {
    const parts = sample.map((m) => ({
      message_id: m.id,
      part: 1,
      status: 'delivered' as const,
      error_code: null,
      updated_at: new Date(),
    }));
    const plan = await planOf(store.updatePartsSql(parts));
    expect(plan).to.match(/Index Scan using message_parts_pkey on message_parts/);
    expect(plan).not.to.match(/Seq Scan on message_parts/);
  });
});
