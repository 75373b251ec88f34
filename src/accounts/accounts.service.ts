import type { AuthContext } from '../platform/index.js';
import {
  createInvalidatedCache,
  NotFoundError,
  type Clock,
  type Db,
  type IdGenerator,
  type InvalidationBus,
  type Trx,
} from '../platform/index.js';
import { generateWebhookSecret } from '../webhooks/index.js';
import type { AccountsStore, ProjectRow, ProjectSnapshot } from './accounts.store.js';
import { generateApiKey, keyMatches, prefixOf } from './api-keys.js';

/** How long a rotated webhook secret keeps signing (API.md: 24 h). */
const ROTATION_OVERLAP_MS = 24 * 3600_000;
/**
 * Projects (with their signing secrets) and key lookups are cached in every process and
 * dropped everywhere through the invalidation bus when they change, so an authenticated GET
 * needs no SQL; the TTL only bounds the damage of a lost invalidation message.
 */
const CACHE_TTL_MS = 60_000;

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
  bus: InvalidationBus;
}) {
  const { db, store, ids, clock, bus } = deps;
  const projects = createInvalidatedCache<ProjectSnapshot, Trx>({
    bus,
    topic: 'project',
    ttlMs: CACHE_TTL_MS,
    load: async (id, trx) => store.loadSnapshot(id, clock.now(), trx),
  });
  const keys = createInvalidatedCache({
    bus,
    topic: 'api-key',
    ttlMs: CACHE_TTL_MS,
    load: async (prefix) => store.findKeyByPrefix(prefix),
  });

  /** Secrets that still sign now, newest first. */
  function activeSecrets(snapshot: ProjectSnapshot): string[] {
    const now = clock.now().getTime();
    return snapshot.secrets
      .filter((s) => s.expires_at === null || s.expires_at > now)
      .map((s) => s.secret);
  }

  async function snapshotOf(id: string): Promise<ProjectSnapshot> {
    const snapshot = await projects.get(id);
    if (!snapshot) throw new NotFoundError('Project');
    return snapshot;
  }

  function viewOf(row: ProjectRow, secret: string | undefined): ProjectView {
    return {
      id: row.id,
      name: row.name,
      webhook_url: row.webhook_url,
      webhook_secret_hint: hintOf(secret),
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
      for (const { prefix } of revoked) keys.invalidate(prefix);
      return { id: keyId, revoked: true };
    },

    async getProject(projectId: string): Promise<ProjectView> {
      const snapshot = await snapshotOf(projectId);
      return viewOf(snapshot.row, activeSecrets(snapshot)[0]);
    },

    findDevProject: () => store.findDevProject(),

    /**
     * The project's webhook URL (the last fallback), read inside the caller's transaction if
     * there is one (a miss through the pool while holding a pooled connection can deadlock).
     */
    projectWebhookUrl: async (trx: Trx | undefined, projectId: string) =>
      (await projects.get(projectId, trx))?.row.webhook_url ?? null,

    async updateProject(
      projectId: string,
      patch: { name?: string; webhook_url?: string | null; rate_limit_per_second?: number | null },
    ): Promise<ProjectView> {
      const [row] = await store.updateProject(projectId, patch, clock.now());
      if (!row) throw new NotFoundError('Project');
      projects.invalidate(projectId);
      return viewOf(row, (await store.activeSecrets(projectId, clock.now()))[0]?.secret);
    },

    /** A new signing secret; the previous ones keep signing for 24 hours. */
    async rotateWebhookSecret(projectId: string) {
      const now = clock.now();
      const secret = generateWebhookSecret();
      const id = ids('key');
      const expiresAt = new Date(now.getTime() + ROTATION_OVERLAP_MS);
      await db.transaction(async (trx) => {
        if (!(await store.lockProject(trx, projectId))) throw new NotFoundError('Project');
        await store.insertSecret(trx, { id, project_id: projectId, secret, created_at: now });
        await store.retireSecretsExcept(trx, projectId, id, { previousUntil: expiresAt, now });
      });
      projects.invalidate(projectId);
      return {
        webhook_secret: secret,
        webhook_secret_hint: hintOf(secret),
        previous_secret_expires_at: expiresAt.toISOString(),
      };
    },

    /** The project's own requests per second per credential, or null for the default. */
    async rateLimitOf(projectId: string): Promise<number | null> {
      return (await projects.get(projectId))?.row.rate_limit_per_second ?? null;
    },

    /** The secrets that sign a delivery now, newest first. */
    async signingSecrets(projectId: string): Promise<string[]> {
      const snapshot = await projects.get(projectId);
      return snapshot ? activeSecrets(snapshot) : [];
    },

    /** The project a presented API key belongs to, or null (unknown, malformed or revoked). */
    async authenticateKey(key: string): Promise<AuthContext | null> {
      const prefix = prefixOf(key);
      if (!prefix) return null;
      const row = await keys.get(prefix);
      if (!row || row.revoked_at || !keyMatches(key, row.hash)) return null;
      const project = await projects.get(row.project_id);
      if (!project) return null;
      return {
        kind: 'key',
        projectId: row.project_id,
        keyId: row.id,
        rateLimitPerSecond: project.row.rate_limit_per_second,
      };
    },
  };
}
