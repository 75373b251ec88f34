import { expect } from 'chai';
import { insertRowSql, statementName, updateRowSql } from '../../src/platform/index.js';
import { startApp, type TestApp } from '../support/harness.js';

describe('row SQL: insertRowSql, updateRowSql', () => {
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

  describe('updateRowSql', () => {
    it('updates while every expected column holds its value, nulls included', async () => {
      await app.runtime.db('test_rows').insert({ id: 'u', n: 1, label: null });
      const stale = updateRowSql('test_rows', 'u', { n: 2 }, { n: 5, label: null });
      expect((await app.runtime.db.raw(stale.sql, [...stale.bindings])).rows).to.deep.equal([]);
      const fresh = updateRowSql('test_rows', 'u', { n: 2 }, { n: 1, label: null });
      expect((await app.runtime.db.raw(fresh.sql, [...fresh.bindings])).rows).to.deep.equal([
        { id: 'u' },
      ]);
      expect((await app.runtime.db('test_rows').where({ id: 'u' }).first()).n).to.equal(2);
    });

    it('puts column names in the text, so two shapes never share a statement name', () => {
      const a = updateRowSql('test_rows', 'x', { n: 1 });
      const b = updateRowSql('test_rows', 'x', { label: 'y' });
      expect(a.sql).to.not.equal(b.sql);
      expect(statementName(a.sql)).to.not.equal(statementName(b.sql));
      expect(statementName(a.sql)).to.equal(
        statementName(updateRowSql('test_rows', 'z', { n: 9 }).sql),
      );
    });

    it('runs as a named prepared statement again and again with other values', async () => {
      await app.runtime.db('test_rows').insert({ id: 'p', n: 0 });
      for (let n = 1; n <= 7; n += 1) {
        const { sql, bindings } = updateRowSql('test_rows', 'p', { n }, { n: n - 1 });
        const { rows } = await app.runtime.db
          .raw(sql, [...bindings])
          .options({ name: statementName(sql) });
        expect(rows).to.have.length(1);
      }
    });
  });
});
