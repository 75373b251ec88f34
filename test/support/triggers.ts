import type { Db } from '../../src/platform/index.js';

/** A row trigger a test installs for a while: its PL/pgSQL condition and action. */
export interface TestTrigger {
  /** Names the function and the trigger (and `<name>_seq`, a sequence the body may count with). */
  name: string;
  table: string;
  when: 'insert' | 'update';
  /** The PL/pgSQL run before each row is written, ahead of `return new` (no `?`: knex binds it). */
  body: string;
}

/**
 * Runs `work` with a `before` row trigger installed on the run's database (a slow write, a
 * refused one, a blip), and removes the trigger, its function and its sequence afterwards,
 * whatever `work` does: one left behind would act on every later test.
 */
export async function withTrigger<T>(
  db: Db,
  trigger: TestTrigger,
  work: () => Promise<T>,
): Promise<T> {
  const { name, table, when, body } = trigger;
  await db.raw(`
    create sequence if not exists ${name}_seq;
    create or replace function ${name}() returns trigger language plpgsql as $$
    begin
      ${body}
      return new;
    end $$;
    create trigger ${name} before ${when} on ${table} for each row execute function ${name}();
  `);
  try {
    return await work();
  } finally {
    await db.raw(`
      drop trigger if exists ${name} on ${table};
      drop function if exists ${name}();
      drop sequence if exists ${name}_seq;
    `);
  }
}
