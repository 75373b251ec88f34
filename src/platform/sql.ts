import { createHash } from 'node:crypto';
import type { Db, Trx } from './db.js';
import type { Knex } from 'knex';

/**
 * A piece of SQL with its knex bindings: a statement one store builds for another to extend
 * (an INSERT the outbox adds its row to) or a condition one store hands another's WHERE.
 */
export interface SqlFragment {
  sql: string;
  bindings: readonly Knex.Value[];
}

/**
 * `<column> = any(?::text[])`: the condition a batch write from a jsonb recordset adds beside
 * its join on the key, with the batch's keys bound as a text array. PostgreSQL estimates every
 * `jsonb_to_recordset` at 100 rows, so with the join alone it prefers a hash join over a
 * sequential scan of the table until the table holds ~30,000 rows; keys given as an array are
 * estimated at 10, and the primary key is probed at any size
 * (test/messaging/batch-plans.int.test.ts). A claim that updates the rows its own CTE locked
 * says the same with `id = any(array(select id from <cte>))`.
 */
export function batchKeys(column: string): string {
  return `${column} = any(?::text[])`;
}

/**
 * The claim of a table whose rows are due at `next_attempt_at` (bindings: now, limit, lease
 * end): up to `limit` due rows (those matching `where` too), oldest due first, skipping rows
 * another claimer holds, each moved a lease ahead; `returning` reads the claimed row `t`.
 * Run it with `runClaim`: its only good plan reads the due index in order.
 */
export function claimDueSql(table: string, options: { where?: string; returning: string }) {
  return `with due as (
    select id from ${table}
     where ${options.where ? `${options.where} and ` : ''}next_attempt_at <= ?
     order by next_attempt_at
     limit ?
     for update skip locked
  )
  update ${table} t set next_attempt_at = ?
   where t.id = any(array(select id from due)) -- see batchKeys
  returning ${options.returning}`;
}

/**
 * Runs a claim of due rows (`claimDueSql`) with sequential and bitmap scans ruled out, and
 * returns the claimed rows. A claim's only good plan reads the due index in order and stops
 * at the limit, but the planner chooses by its estimate of the due rows, which lags far
 * behind during a backlog (statistics taken when few were due). In the `sms` benchmark it
 * expected ~180 due webhook deliveries where 25,000 were, and read and sorted all of them for
 * each claim of 200 (18 ms a claim); without the ORDER BY it scanned the table from its
 * start, through every finished row (94 buffers per claimed row against 21).
 * test/platform/claim-plans.int.test.ts checks both claims.
 *
 * The settings and the claim go as one simple query, which PostgreSQL runs as one implicit
 * transaction (so `SET LOCAL` holds for the claim alone, and an error leaves the connection
 * clean): one round trip instead of BEGIN, SET, claim and COMMIT through a knex transaction,
 * which cost the webhook dispatcher ~3% of its CPU. A simple query takes no parameters, so the
 * claim's three values (ours: two times and a row count) are written into it as literals.
 */
export async function runClaim<T>(
  db: Db,
  sql: string,
  claim: { now: Date; limit: number; leaseUntil: Date },
): Promise<T[]> {
  if (!Number.isInteger(claim.limit) || claim.limit < 0) {
    throw new Error(`a claim's limit must be a whole number, not ${claim.limit}`);
  }
  const time = (at: Date) => db.raw(`'${at.toISOString()}'::timestamptz`);
  const statement = db.raw(sql, [time(claim.now), claim.limit, time(claim.leaseUntil)]).toQuery();
  const results = (await db.raw(`${ORDERED_CLAIM_SETTINGS}; ${statement}`)) as unknown as Array<{
    rows: T[];
  }>;
  return results[results.length - 1].rows;
}

/** What `runClaim` sets for its claim (exported for the plan test). */
export const ORDERED_CLAIM_SETTINGS =
  'set local enable_seqscan = off; set local enable_bitmapscan = off';

/**
 * `INSERT INTO table (…) SELECT … RETURNING …` of one row given as an object: the values
 * travel as one JSON parameter typed by the table's own row type (`jsonb_populate_record`), so
 * no column needs a cast and jsonb columns take objects as they are. With `where`, the row is
 * inserted only while that condition holds (it may name the row's values as `r.<column>`);
 * otherwise nothing is returned. Keys whose value is undefined are left to the column default.
 */
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** A table or column name of our own schema, quoted (anything else is a programming error). */
function quoted(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not an identifier: ${name}`);
  return `"${name}"`;
}

/** The statement text per table, columns, condition and returning list (a few per store). */
const statements = new Map<string, string>();

export function insertRowSql(
  table: string,
  row: object,
  options: { where?: SqlFragment; returning: string },
): SqlFragment {
  const columns = Object.entries(row)
    .filter(([, value]) => value !== undefined)
    .map(([column]) => column);
  const key = [table, columns.join(','), options.where?.sql ?? '', options.returning].join('\n');
  let sql = statements.get(key);
  if (sql === undefined) {
    const names = columns.map(quoted);
    sql = `insert into ${quoted(table)} (${names.join(', ')})
          select ${names.map((name) => `r.${name}`).join(', ')}
            from jsonb_populate_record(null::${quoted(table)}, ?::jsonb) r
          ${options.where ? `where ${options.where.sql}` : ''}
          returning ${options.returning}`;
    statements.set(key, sql);
  }
  return { sql, bindings: [JSON.stringify(row), ...(options.where?.bindings ?? [])] };
}

const names = new Map<string, string>();

/**
 * A prepared-statement name for a statement text (knex raw `.options({ name })`): the same
 * text gets the same name, so PostgreSQL parses and plans it once per connection. For the
 * few hot statement shapes only (each connection keeps every statement it prepared).
 */
export function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `tl_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    names.set(sql, name);
  }
  return name;
}

/**
 * `UPDATE table SET … WHERE id = ? [AND col IS NOT DISTINCT FROM ? …] RETURNING id`: the
 * optimistic write of a caller that believes it knows the row (it applies only while every
 * column of `expected` still holds that value; nulls compare). Column names are part of the
 * text, so a statement name from `statementName` stays tied to one shape. Values go as they
 * are (a jsonb column takes JSON text).
 */
export function updateRowSql(
  table: string,
  id: string,
  patch: Record<string, unknown>,
  expected: Record<string, unknown> = {},
): SqlFragment {
  const set = Object.entries(patch).filter(([, value]) => value !== undefined);
  const checks = Object.entries(expected).filter(([, value]) => value !== undefined);
  const assignments = set.map(([column]) => `${quoted(column)} = ?`).join(', ');
  const unchanged = checks.map(([column]) => ` and ${quoted(column)} is not distinct from ?`);
  return {
    sql: `update ${quoted(table)} set ${assignments} where id = ?${unchanged.join('')} returning id`,
    bindings: [...set.map(([, v]) => v), id, ...checks.map(([, v]) => v)] as Knex.Value[],
  };
}

/**
 * What an optimistic write from a known row must find unchanged: `known`'s value of each of
 * `columns` (those its view shows) that `change` does not overwrite, and always the columns of
 * `checkedFrom` (e.g. the status a transition was checked from), for `updateRowSql`.
 */
export function unchangedColumns<T extends object>(
  known: T,
  change: Partial<T>,
  columns: ReadonlyArray<keyof T>,
  checkedFrom: ReadonlyArray<keyof T> = [],
): Partial<T> {
  const expected: Partial<T> = {};
  for (const column of columns) if (!(column in change)) expected[column] = known[column];
  for (const column of checkedFrom) expected[column] = known[column];
  return expected;
}

/** A statement as a named CTE (`name as (…)`) for `runCtes`. */
export function cte(name: string, statement: SqlFragment): SqlFragment {
  return { sql: `${name} as (${statement.sql})`, bindings: statement.bindings };
}

/**
 * Runs CTEs (each `name as (…)`, or several such joined by commas; nulls are skipped) as one
 * statement, prepared under a name from its text: `with <ctes> select` the number of rows of
 * each CTE in `counted`. A CTE that only selects (a NOTIFY) runs only if read, so each such
 * CTE must be counted. Resolves with the counts by name.
 */
export async function runCtes(
  db: Db | Trx,
  ctes: ReadonlyArray<SqlFragment | null>,
  counted: readonly string[],
  options: { prepare?: boolean } = {},
): Promise<Record<string, number>> {
  const parts = ctes.filter((part): part is SqlFragment => part !== null);
  const reads = counted.map((name) => `(select count(*) from ${name})::int as ${name}`);
  const sql = `with ${parts.map((part) => part.sql).join(',\n')} select ${reads.join(', ') || '1'}`;
  const query = db.raw<{ rows: Array<Record<string, number>> }>(
    sql,
    parts.flatMap((part) => part.bindings),
  );
  // A statement whose text varies with its input (a batch) is not prepared: each shape would
  // stay prepared on every connection.
  const { rows } = await (options.prepare === false
    ? query
    : query.options({ name: statementName(sql) }));
  return rows[0];
}

/** A CTE named `always` with one row, for parts that run `onlyIf: 'always'`. */
export const ALWAYS: SqlFragment = { sql: 'always as (select 1)', bindings: [] };
