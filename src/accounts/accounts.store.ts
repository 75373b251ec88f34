import type { Db, Trx } from '../platform/index.js';

export interface ProjectRow {
  id: string;
  name: string;
  webhook_url: string | null;
  rate_limit_per_second: number | null;
  is_dev: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface KeyRow {
  id: string;
  project_id: string;
  prefix: string;
  hash: string;
  revoked_at: Date | null;
}

export interface SecretRow {
  id: string;
  project_id: string;
  secret: string;
  created_at: Date;
  expires_at: Date | null;
}

interface RawSecret {
  secret: string;
  expires_at: string | null;
}

/** A project as the caches hold it: its row and its signing secrets (expiry in epoch ms). */
export interface ProjectSnapshot {
  row: ProjectRow;
  secrets: { secret: string; expires_at: number | null }[];
}

/** The only place knex touches projects, api_keys and webhook_secrets. */
export function createAccountsStore(db: Db) {
  return {
    insertProject: (
      trx: Trx,
      row: Omit<ProjectRow, 'created_at' | 'updated_at'> & { created_at: Date },
    ) => trx('projects').insert({ ...row, updated_at: row.created_at }),

    findProject: (id: string) => db<ProjectRow>('projects').where({ id }).first(),

    findDevProject: () => db<ProjectRow>('projects').where({ is_dev: true }).orderBy('id').first(),

    updateProject: (
      id: string,
      patch: Partial<Pick<ProjectRow, 'name' | 'webhook_url' | 'rate_limit_per_second'>>,
      now: Date,
    ) =>
      db<ProjectRow>('projects')
        .where({ id })
        .update({ ...patch, updated_at: now })
        .returning('*'),

    insertKey: (trx: Trx | Db, row: Omit<KeyRow, 'revoked_at'> & { created_at: Date }) =>
      trx('api_keys').insert(row),

    findKeyByPrefix: (prefix: string): Promise<KeyRow | undefined> =>
      db<KeyRow>('api_keys')
        .where({ prefix })
        .first('id', 'project_id', 'prefix', 'hash', 'revoked_at'),

    /** A project with the secrets that still sign at `now`, newest first, in one statement. */
    async loadSnapshot(
      id: string,
      now: Date,
      via: Db | Trx = db,
    ): Promise<ProjectSnapshot | undefined> {
      const { rows } = await via.raw<{ rows: (ProjectRow & { secrets: RawSecret[] })[] }>(
        `select p.*, coalesce((
           select json_agg(json_build_object('secret', s.secret, 'expires_at', s.expires_at)
                           order by s.created_at desc, s.id desc)
             from webhook_secrets s
            where s.project_id = p.id and (s.expires_at is null or s.expires_at > ?)
         ), '[]'::json) as secrets
           from projects p where p.id = ?`,
        [now, id],
      );
      const [found] = rows;
      if (!found) return undefined;
      const { secrets, ...row } = found;
      return {
        row,
        secrets: secrets.map((s) => ({
          secret: s.secret,
          expires_at: s.expires_at === null ? null : Date.parse(s.expires_at),
        })),
      };
    },

    revokeKey: (id: string, now: Date) =>
      db('api_keys')
        .where({ id })
        .whereNull('revoked_at')
        .update({ revoked_at: now })
        .returning<{ prefix: string }[]>('prefix'),

    findKey: (id: string) => db<KeyRow>('api_keys').where({ id }).first(),

    insertSecret: (
      trx: Trx | Db,
      row: { id: string; project_id: string; secret: string; created_at: Date },
    ) => trx('webhook_secrets').insert(row),

    /** Secrets that still sign at `now`, newest first. */
    activeSecrets: (projectId: string, now: Date) =>
      db<SecretRow>('webhook_secrets')
        .where({ project_id: projectId })
        .where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now))
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc'),

    /** Serialises changes to one project's settings (secret rotations) on its row. */
    lockProject: (trx: Trx, id: string) => trx('projects').where({ id }).forUpdate().first('id'),

    /**
     * After a rotation to `keepId`: the secret that was current (no expiry) keeps signing until
     * `previousUntil`; any older one still signing stops `now`, so two secrets at most sign a
     * delivery (API.md), however often the secret is rotated.
     */
    retireSecretsExcept: (
      trx: Trx,
      projectId: string,
      keepId: string,
      times: { previousUntil: Date; now: Date },
    ) =>
      trx.raw(
        `update webhook_secrets
            set expires_at = case when expires_at is null then ?::timestamptz else ?::timestamptz end
          where project_id = ? and id <> ? and (expires_at is null or expires_at > ?)`,
        [times.previousUntil, times.now, projectId, keepId, times.now],
      ),
  };
}

export type AccountsStore = ReturnType<typeof createAccountsStore>;
