import type { Db, Trx } from '../platform/index.js';
import type { SigningKey } from './tokens.js';

/** The only place knex touches chat_signing_keys and chat_identity_settings. */
export function createIdentitiesStore(db: Db) {
  return {
    /** The project's signing key, created on first use (concurrent creators agree on one). */
    async signingKeyFor(
      projectId: string,
      fresh: { id: string; secret: string },
    ): Promise<SigningKey> {
      await db('chat_signing_keys')
        .insert({ id: fresh.id, project_id: projectId, secret: fresh.secret })
        .onConflict('project_id')
        .ignore();
      const row = await db('chat_signing_keys').where({ project_id: projectId }).first();
      return { id: row.id, projectId: row.project_id, secret: row.secret };
    },

    async signingKey(kid: string): Promise<SigningKey | null> {
      const row = await db('chat_signing_keys').where({ id: kid }).first();
      return row ? { id: row.id, projectId: row.project_id, secret: row.secret } : null;
    },

    /**
     * Identities of a project whose read horizon is hidden from others; read on `on` when the
     * caller holds a transaction (through the pool while holding a pooled connection could
     * deadlock: eleven concurrent read markers once held all ten and waited for an eleventh).
     */
    async privateReaders(
      projectId: string,
      identities: string[],
      on: Db | Trx = db,
    ): Promise<Set<string>> {
      if (identities.length === 0) return new Set();
      const rows = await on('chat_identity_settings')
        .where({ project_id: projectId, read_receipts_private: true })
        .whereIn('identity', identities)
        .select('identity');
      return new Set(rows.map((r: { identity: string }) => r.identity));
    },

    async settingsOf(projectId: string, identity: string) {
      const row = await db('chat_identity_settings')
        .where({ project_id: projectId, identity })
        .first();
      return { identity, read_receipts_private: row?.read_receipts_private ?? false };
    },

    async saveSettings(
      projectId: string,
      identity: string,
      readReceiptsPrivate: boolean,
      now: Date,
    ) {
      await db('chat_identity_settings')
        .insert({
          project_id: projectId,
          identity,
          read_receipts_private: readReceiptsPrivate,
          updated_at: now,
        })
        .onConflict(['project_id', 'identity'])
        .merge();
      return { identity, read_receipts_private: readReceiptsPrivate };
    },
  };
}

export type IdentitiesStore = ReturnType<typeof createIdentitiesStore>;
