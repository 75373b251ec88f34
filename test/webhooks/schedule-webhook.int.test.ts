import { expect } from 'chai';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';

/** Scheduling a webhook as part of a caller's statement, inside the caller's transaction. */
describe('scheduleWebhook.sql', () => {
  let app: TestApp;
  before(async () => {
    app = await startApp({ roles: { worker: false } });
  });
  after(() => app.stop());

  it("reads a missed project URL on the caller's transaction, so a full pool cannot deadlock", async () => {
    const project = await createTestProject(app);
    const { accounts, scheduleWebhook, clock } = app.runtime.services;
    // Changing the project drops its cached row: each lookup below misses.
    await accounts.updateProject(project.id, { webhook_url: 'https://example.com/hook' });
    // Three times the pool: every pooled connection is held by a transaction that then misses.
    const plans = Array.from({ length: 30 }, (_, i) =>
      app.runtime.db.transaction(async (trx) => {
        await trx.raw('select pg_sleep(0.05)');
        const event = {
          id: `evt_pool${i}`,
          type: 'message.sent',
          createdAt: clock.now(),
          data: {},
        };
        return scheduleWebhook.sql(
          { projectId: project.id, event },
          { onlyIf: 'always', name: 'webhook', trx },
        );
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('transactions waited on the pool')), 10_000);
    });
    try {
      const planned = await Promise.race([Promise.all(plans), stuck]);
      // The delivery row travels as one JSON parameter: the URL is inside it.
      const url = 'https://example.com/hook';
      expect(
        planned.every((sql) => sql !== null && JSON.stringify(sql.bindings).includes(url)),
      ).to.equal(true);
    } finally {
      clearTimeout(timer);
    }
  });
});
