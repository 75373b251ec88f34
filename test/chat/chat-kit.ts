import jwt from 'jsonwebtoken';
import type { Authenticator } from '../../src/accounts/index.js';
import { createChatFeature, type ChatDeps, type ChatFeature } from '../../src/chat/index.js';
import type { BlobStore } from '../../src/media/index.js';
import {
  createRequestValidation,
  createSilentLogger,
  loadOpenApi,
} from '../../src/platform/index.js';
import {
  createTestProject,
  harnessSettings,
  startApp,
  type TestApp,
  type TestProject,
} from '../support/harness.js';
import { clientFor } from '../support/http.js';

/** A started app, a project, and helpers to act as the operator or as an identity. */
export interface ChatKit {
  app: TestApp;
  project: TestProject;
  operator: ReturnType<typeof clientFor>;
  tokenFor(identity: string, ttl?: number): Promise<string>;
  as(identity: string): Promise<ReturnType<typeof clientFor>>;
}

export async function startChatKit(app?: TestApp): Promise<ChatKit> {
  const started = app ?? (await startApp());
  const project = await createTestProject(started, 'chat');
  const operator = clientFor(started.url, project.apiKey);
  const tokenFor = async (identity: string, ttl?: number) => {
    const res = await operator<{ token: string }>('POST', '/v1/tokens', {
      body: { identity, ...(ttl ? { ttl } : {}) },
    });
    if (res.status !== 201) throw new Error(`token for ${identity}: ${res.status} ${res.text}`);
    return res.body.token;
  };
  return {
    app: started,
    project,
    operator,
    tokenFor,
    as: async (identity) => clientFor(started.url, await tokenFor(identity)),
  };
}

/**
 * Another chat feature on the kit's database and Redis (a second API instance, or one with a
 * fake `sendSms`), with routes unguarded: for tests that drive its handlers or realtime directly.
 */
export function secondChatFeature(kit: ChatKit, overrides: Partial<ChatDeps> = {}): ChatFeature {
  const { runtime } = kit.app;
  return createChatFeature({
    db: runtime.db,
    redis: runtime.redis,
    redisUrl: harnessSettings.redisUrl,
    redisPrefix: harnessSettings.redisPrefix,
    events: runtime.services.events,
    outbox: runtime.services.outbox,
    scheduleWebhook: runtime.services.scheduleWebhook,
    ids: runtime.services.ids,
    clock: runtime.services.clock,
    logger: createSilentLogger(),
    validate: createRequestValidation(loadOpenApi()),
    auth: {
      project: [],
      projectOrUser: [],
      admin: (_req: unknown, _res: unknown, next: () => void) => next(),
    } as unknown as Authenticator,
    blobs: {} as BlobStore,
    sendSms: async () => ({ id: 'msg_unused' }),
    ownsNumber: async () => true,
    ...overrides,
  });
}

/**
 * A user token for `sub` signed with the project's own chat key, as `POST /v1/tokens` would
 * sign it but with any claims: for tokens the API would not mint (expiring in a second, for a
 * reserved identity minted before it was reserved).
 */
export async function signedToken(
  kit: ChatKit,
  claims: { sub: string; ttlSec: number },
): Promise<string> {
  const keyOf = () =>
    kit.app.runtime.db('chat_signing_keys').where({ project_id: kit.project.id }).first();
  // The project's key is made with its first token.
  const key = (await keyOf()) ?? (await kit.tokenFor('key-maker'), await keyOf());
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign(
    { sub: claims.sub, prj: kit.project.id, iat: now, exp: now + claims.ttlSec },
    key.secret,
    { algorithm: 'HS256', keyid: key.id, issuer: 'trunkline' },
  );
}
