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
 * `INSERT INTO table (…) SELECT … RETURNING …` of one row given as an object: the values
 * travel as one JSON parameter typed by the table's own row type (`jsonb_populate_record`), so
 * no column needs a cast and jsonb columns take objects as they are. With `where`, the row is
 * inserted only while that condition holds (it may name the row's values as `r.<column>`);
 * otherwise nothing is returned. Keys whose value is undefined are left to the column default.
 */
export function insertRowSql(
  table: string,
  row: object,
  options: { where?: SqlFragment; returning: string },
): SqlFragment {
  const columns = Object.entries(row)
    .filter(([, value]) => value !== undefined)
    .map(([column]) => column);
  const names = columns.map(() => '??').join(', ');
  return {
    sql: `insert into ?? (${names})
          select ${columns.map(() => 'r.??').join(', ')}
            from jsonb_populate_record(null::??, ?::jsonb) r
          ${options.where ? `where ${options.where.sql}` : ''}
          returning ${options.returning}`,
    bindings: [
      table,
      ...columns,
      ...columns,
      table,
      JSON.stringify(row),
      ...(options.where?.bindings ?? []),
    ],
  };
}
