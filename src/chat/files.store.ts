import type { Db } from '../platform/index.js';

export interface FileRow {
  id: string;
  project_id: string;
  uploaded_by: string | null;
  filename: string;
  content_type: string;
  size: number;
  status: 'pending' | 'ready' | 'rejected';
  storage_key: string;
  thumbnail_key: string | null;
  rejection: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The only place knex touches chat_files. */
export function createFilesStore(db: Db) {
  return {
    insert: (row: FileRow) => db('chat_files').insert(row),

    find: (projectId: string, id: string) =>
      db<FileRow>('chat_files').where({ project_id: projectId, id }).first(),

    findMany: (projectId: string, ids: string[]) =>
      db<FileRow>('chat_files').where({ project_id: projectId }).whereIn('id', ids),

    /** Settles a pending file once; false when it was already settled (a concurrent check). */
    async settle(
      id: string,
      patch: Pick<
        FileRow,
        'status' | 'thumbnail_key' | 'rejection' | 'content_type' | 'updated_at' | 'storage_key'
      >,
    ) {
      return (await db('chat_files').where({ id, status: 'pending' }).update(patch)) > 0;
    },
  };
}

export type FilesStore = ReturnType<typeof createFilesStore>;
