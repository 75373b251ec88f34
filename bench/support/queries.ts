import type { Db } from '../../src/platform/index.js';

/** Counts the SQL statements a platform sends (BEGIN and COMMIT included) while it is on. */
export interface QueryCounter {
  count(): number;
  stop(): void;
}

/**
 * Starts counting every statement knex sends through `db`, transactions included. Statements
 * per unit of work is the figure that explains most of the suites' results on a small
 * machine, so the suites report it next to their rates.
 */
export function countQueries(db: Db): QueryCounter {
  let count = 0;
  const onQuery = () => {
    count += 1;
  };
  db.on('query', onQuery);
  return {
    count: () => count,
    stop: () => {
      db.off('query', onQuery);
    },
  };
}

/** Average statements per call of `call`, over `calls` sequential calls. */
export async function statementsPerCall(
  db: Db,
  calls: number,
  call: (index: number) => Promise<unknown>,
): Promise<number> {
  const counter = countQueries(db);
  try {
    for (let i = 0; i < calls; i += 1) await call(i);
    return counter.count() / calls;
  } finally {
    counter.stop();
  }
}
