import type { Db, Trx } from '../platform/index.js';

export interface RecordingRow {
  id: string;
  project_id: string;
  call_id: string;
  /** The flow step that recorded it. */
  step: string | null;
  status: 'completed';
  duration: number;
  blob_key: string;
  content_type: string;
  size: number;
  created_at: Date;
}

/** The only place knex touches the `recordings` table. Every read is per project. */
export function createRecordingsStore(db: Db) {
  return {
    insert: (trx: Trx, row: RecordingRow) => trx('recordings').insert(row),
    find: (projectId: string, id: string) =>
      db<RecordingRow>('recordings').where({ project_id: projectId, id }).first(),
    listQuery(projectId: string, callId?: string) {
      const q = db<RecordingRow>('recordings').where({ project_id: projectId });
      if (callId) q.where({ call_id: callId });
      return q;
    },
  };
}

export type RecordingsStore = ReturnType<typeof createRecordingsStore>;
