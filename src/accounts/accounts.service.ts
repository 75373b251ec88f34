import type { AuthContext } from '../platform/index.js';
import {
  NotFoundError,
  type Clock,
  type Db,
  type IdGenerator,
  type Trx,
} from '../platform/index.js';
import { generateWebhookSecret } from '../webhooks/index.js';
import type { AccountsStore, ProjectRow } from './accounts.store.js';
import { generateApiKey, keyMatches, prefixOf } from './api-keys.js';

/** How long a rotated webhook secret keeps signing (API.md: 24 h). */
const ROTATION_OVERLAP_MS = 24 * 3600_000;
/** How long a key lookup is cached; a revocation on another instance takes effect within it. */
const KEY_CACHE_MS = 10_000;

export interface ProjectView {
  id: string;
  name: string;
  webhook_url: string | null;
  webhook_secret_hint: string | null;
  rate_limit_per_second: number | null;
  created_at: string;
  updated_at: string;
}

export interface CreatedProject {
  id: string;
  name: string;
  api_key: string;
  webhook_secret: string;
}

function hintOf(secret: string | undefined): string | null {
  return secret ? `whsec_...${secret.slice(-4)}` : null;
}

export type AccountsService = ReturnType<typeof createAccountsService>;

export function createAccountsService(deps: {
  db: Db;
  store: AccountsStore;
  ids: IdGenerator;
  clock: Clock;
}) {
  const { db, store, ids, clock } = deps;
  const keyCache = new Map<string, { auth: AuthContext | null; hash: string; until: number }>();

  async function viewOf(row: ProjectRow): Promise<ProjectView> {
    const [secret] = await store.activeSecrets(row.id, clock.now());
    return {
      id: row.id,
      name: row.name,
      webhook_url: row.webhook_url,
      webhook_secret_hint: hintOf(secret?.secret),
      rate_limit_per_second: row.rate_limit_per_second,
      created_at: row.created_at.toISOString(),
      updated_at: row.updated_at.toISOString(),
    };
  }

  async function requireProject(id: string): Promise<ProjectRow> {
    const row = await store.findProject(id);
    if (!row) throw new NotFoundError('Project');
    return row;
  }

  return {
    /** A project with its first API key and webhook secret, both shown only now. */
    async createProject(input: { name: string; isDev?: boolean }): Promise<CreatedProject> {
      const now = clock.now();
      const id = ids('prj');
      const key = generateApiKey();
      const secret = generateWebhookSecret();
      await db.transaction(async (trx) => {
        await store.insertProject(trx, {
          id,
          name: input.name,
          webhook_url: null,
          rate_limit_per_second: null,
          is_dev: input.isDev ?? false,
          created_at: now,
        });
        await store.insertKey(trx, {
          id: ids('key'),
          project_id: id,
          prefix: key.prefix,
          hash: key.hash,
          created_at: now,
        });
        await store.insertSecret(trx, { id: ids('key'), project_id: id, secret, created_at: now });
      });
      return { id, name: input.name, api_key: key.key, webhook_secret: secret };
    },

    async createKey(projectId: string): Promise<{ id: string; api_key: string }> {
      await requireProject(projectId);
      const key = generateApiKey();
      const id = ids('key');
      await store.insertKey(db, {
        id,
        project_id: projectId,
        prefix: key.prefix,
        hash: key.hash,
        created_at: clock.now(),
      });
      return { id, api_key: key.key };
    },

    async revokeKey(keyId: string): Promise<{ id: string; revoked: true }> {
      if (!(await store.findKey(keyId))) throw new NotFoundError('API key');
      const revoked = await store.revokeKey(keyId, clock.now());
      for (const { prefix } of revoked) keyCache.delete(prefix);
      return { id: keyId, revoked: true };
    },

    async getProject(projectId: string): Promise<ProjectView> {
      return viewOf(await requireProject(projectId));
    },

    findDevProject: () => store.findDevProject(),

    /** The project's webhook URL, read inside the caller's transaction (the last fallback). */
    projectWebhookUrl: (trx: Trx, projectId: string) => store.webhookUrl(trx, projectId),

    async updateProject(
      projectId: string,
      patch: { name?: string; webhook_url?: string | null; rate_limit_per_second?: number | null },
    ): Promise<ProjectView> {
      const [row] = await store.updateProject(projectId, patch, clock.now());
      if (!row) throw new NotFoundError('Project');
      if (patch.rate_limit_per_second !== undefined) keyCache.clear();
      return viewOf(row);
    },

    /** A new signing secret; the previous ones keep signing for 24 hours. */
    async rotateWebhookSecret(projectId: string) {
      await requireProject(projectId);
      const now = clock.now();
      const secret = generateWebhookSecret();
      const id = ids('key');
      const expiresAt = new Date(now.getTime() + ROTATION_OVERLAP_MS);
      await db.transaction(async (trx) => {
        await store.lockProject(trx, projectId);
        await store.insertSecret(trx, { id, project_id: projectId, secret, created_at: now });
        await store.expireSecretsExcept(trx, projectId, id, expiresAt);
      });
      return {
        webhook_secret: secret,
        webhook_secret_hint: hintOf(secret),
        previous_secret_expires_at: expiresAt.toISOString(),
      };
    },

    /** The secrets that sign a delivery now, newest first. */
    async signingSecrets(projectId: string): Promise<string[]> {
      return (await store.activeSecrets(projectId, clock.now())).map((s) => s.secret);
    },

    /** The project a presented API key belongs to, or null (unknown, malformed or revoked). */
    async authenticateKey(key: string): Promise<AuthContext | null> {
      const prefix = prefixOf(key);
      if (!prefix) return null;
      const cached = keyCache.get(prefix);
      if (cached && cached.until > Date.now())
        return keyMatches(key, cached.hash) ? cached.auth : null;
      const row = await store.findKeyByPrefix(prefix);
      if (!row) return null;
      const auth: AuthContext | null = row.revoked_at
        ? null
        : {
            kind: 'key',
            projectId: row.project_id,
            keyId: row.id,
            rateLimitPerSecond: row.rate_limit_per_second,
          };
      keyCache.set(prefix, { auth, hash: row.hash, until: Date.now() + KEY_CACHE_MS });
      return keyMatches(key, row.hash) ? auth : null;
    },
  };
}
