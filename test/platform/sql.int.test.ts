import { expect } from 'chai';
import { insertRowSql } from '../../src/platform/index.js';
import { startApp, type TestApp } from '../support/harness.js';

describe('insertRowSql', () => {
  let app: TestApp;
  before(async () => {
    app = await startApp({ roles: { worker: false } });
    await app.runtime.db.raw(`create table if not exists test_rows (
      id text primary key, n integer, at timestamptz, doc jsonb, label text default 'preset')`);
  });
  after(async () => {
    await app.runtime.db.raw('drop table if exists test_rows');
    await app.stop();
  });

  it('inserts a row given as an object, typed by the table, leaving undefined to defaults', async () => {
    const at = new Date('2026-12-06T10:00:00Z');
    const { sql, bindings } = insertRowSql(
      'test_rows',
      { id: 'a', n: 3, at, doc: { list: [1, 'two'] }, label: undefined },
      { returning: '*' },
    );
    const { rows } = await app.runtime.db.raw(sql, [...bindings]);
    expect(rows).to.deep.equal([{ id: 'a', n: 3, at, doc: { list: [1, 'two'] }, label: 'preset' }]);
  });

  it('inserts nothing when the condition does not hold', async () => {
    const { sql, bindings } = insertRowSql(
      'test_rows',
      { id: 'b', n: 4 },
      { where: { sql: 'r.n > ?', bindings: [10] }, returning: 'id' },
    );
    expect((await app.runtime.db.raw(sql, [...bindings])).rows).to.deep.equal([]);
    expect(await app.runtime.db('test_rows').where({ id: 'b' }).first()).to.equal(undefined);
  });
});
