import type { Db, Trx } from '../platform/index.js';

export interface NumberRow {
  id: string;
  project_id: string;
  number: string;
  sms_url: string | null;
  voice_flow_id: string | null;
  help_text: string | null;
  created_at: Date;
  updated_at: Date;
}

export type NumberPatch = Partial<Pick<NumberRow, 'sms_url' | 'voice_flow_id' | 'help_text'>>;

/** The only place knex touches the numbers table. */
export function createNumbersStore(db: Db) {
  return {
    /** Inserts a number; false when any project already owns it. */
    async insert(row: NumberRow): Promise<boolean> {
      const inserted = await db('numbers')
        .insert(row)
        .onConflict('number')
        .ignore()
        .returning('id');
      return inserted.length > 0;
    },
    find: (projectId: string, id: string) =>
      db<NumberRow>('numbers').where({ project_id: projectId, id }).first(),
    /** The number a message was sent to or from, whichever project owns it. */
    findByNumber: async (number: string, trx: Db | Trx = db): Promise<NumberRow | undefined> =>
      trx<NumberRow>('numbers').where({ number }).first(),
    findOwned: async (
      projectId: string,
      number: string,
      trx: Db | Trx = db,
    ): Promise<NumberRow | undefined> =>
      trx<NumberRow>('numbers').where({ project_id: projectId, number }).first(),
    listQuery: (projectId: string) => db<NumberRow>('numbers').where({ project_id: projectId }),
    async update(projectId: string, id: string, patch: NumberPatch, now: Date) {
      const [row] = await db<NumberRow>('numbers')
        .where({ project_id: projectId, id })
        .update({ ...patch, updated_at: now })
        .returning('*');
      return row as NumberRow | undefined;
    },
    remove: async (projectId: string, id: string): Promise<number> =>
      db('numbers').where({ project_id: projectId, id }).delete(),
  };
}

export type NumbersStore = ReturnType<typeof createNumbersStore>;
