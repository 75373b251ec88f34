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

/** The only place knex touches projects, api_keys and webhook_secrets. */
export function createAccountsStore(db: Db) {
  return {
    insertProject: (
      trx: Trx,
      row: Omit<ProjectRow, 'created_at' | 'updated_at'> & { created_at: Date },
    ) => trx('projects').insert({ ...row, updated_at: row.created_at }),

    findProject: (id: string) => db<ProjectRow>('projects').where({ id }).first(),

    webhookUrl: async (trx: Trx | Db, id: string) =>
      (
        (await trx('projects').where({ id }).first('webhook_url')) as
          { webhook_url: string | null } | undefined
      )?.webhook_url ?? null,

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

    findKeyByPrefix: (prefix: string) =>
      db('api_keys as k')
        .join('projects as p', 'p.id', 'k.project_id')
        .select<(KeyRow & { rate_limit_per_second: number | null })[]>(
          'k.id',
          'k.project_id',
          'k.prefix',
          'k.hash',
          'k.revoked_at',
          'p.rate_limit_per_second',
        )
        .where('k.prefix', prefix)
        .first(),

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

    expireSecretsExcept: (trx: Trx, projectId: string, keepId: string, expiresAt: Date) =>
      trx('webhook_secrets')
        .where({ project_id: projectId })
        .whereNot({ id: keepId })
        .where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', expiresAt))
        .update({ expires_at: expiresAt }),
  };
}

export type AccountsStore = ReturnType<typeof createAccountsStore>;
