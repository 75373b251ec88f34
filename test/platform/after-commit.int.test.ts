import { expect } from 'chai';
import { afterCommit } from '../../src/platform/index.js';
import { startApp, type TestApp } from '../support/harness.js';

/** `afterCommit`: work handed on (e.g. deliveries to a dispatcher) only once it is durable. */
describe('afterCommit', () => {
  let app: TestApp;
  before(async () => {
    app = await startApp({ roles: { worker: false, orchestrator: false } });
  });
  after(() => app.stop());

  it('runs once the transaction has committed, not before', async () => {
    const calls: string[] = [];
    await app.runtime.db.transaction(async (trx) => {
      afterCommit(trx, () => calls.push('committed'));
      await trx.raw('select 1');
      calls.push('inside');
    });
    expect(calls).to.deep.equal(['inside', 'committed']);
  });

  it('never runs when the transaction rolls back', async () => {
    const calls: string[] = [];
    const failed = await app.runtime.db
      .transaction(async (trx) => {
        afterCommit(trx, () => calls.push('committed'));
        throw new Error('rolled back');
      })
      .catch((err: Error) => err.message);
    await new Promise((resolve) => setImmediate(resolve));
    expect(failed).to.equal('rolled back');
    expect(calls).to.deep.equal([]);
  });

  it('waits for the outermost transaction, not a nested one’s savepoint', async () => {
    const calls: string[] = [];
    await app.runtime.db.transaction(async (outer) => {
      await outer.transaction(async (inner) => {
        afterCommit(inner, () => calls.push('committed'));
      });
      await new Promise((resolve) => setImmediate(resolve));
      calls.push('savepoint released');
    });
    expect(calls).to.deep.equal(['savepoint released', 'committed']);
  });

  it('never runs when the outer transaction rolls back after a nested one succeeded', async () => {
    const calls: string[] = [];
    await app.runtime.db
      .transaction(async (outer) => {
        await outer.transaction(async (inner) => {
          afterCommit(inner, () => calls.push('committed'));
        });
        throw new Error('outer rolled back');
      })
      .catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).to.deep.equal([]);
  });
});
