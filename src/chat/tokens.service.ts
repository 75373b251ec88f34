import { randomBytes } from 'node:crypto';
import type { AuthContext, Clock, IdGenerator } from '../platform/index.js';
import type { IdentitiesStore } from './identities.store.js';
import { refuseReservedIdentity } from './identity.js';
import {
  keyIdOf,
  signUserToken,
  verifyUserToken,
  type SigningKey,
  type UserClaims,
} from './tokens.js';

/** How long a signing key stays cached in the process (keys never change once created). */
const KEY_CACHE_LIMIT = 10_000;

export type TokensService = ReturnType<typeof createTokensService>;

/** Mints user tokens with the project's key and verifies them for REST and realtime. */
export function createTokensService(deps: {
  identities: IdentitiesStore;
  ids: IdGenerator;
  clock: Clock;
}) {
  const cache = new Map<string, SigningKey | null>();
  const nowSec = () => Math.floor(deps.clock.now().getTime() / 1000);

  async function keyById(kid: string): Promise<SigningKey | null> {
    if (cache.has(kid)) return cache.get(kid)!;
    if (!/^key_[0-9A-HJKMNP-TV-Z]{26}$/.test(kid)) return null;
    const key = await deps.identities.signingKey(kid);
    if (key) {
      if (cache.size >= KEY_CACHE_LIMIT) cache.clear();
      cache.set(kid, key);
    }
    return key;
  }

  /** Each project's key, once read: a project's key never changes. */
  const byProject = new Map<string, SigningKey>();

  async function keyOfProject(projectId: string): Promise<SigningKey> {
    const known = byProject.get(projectId);
    if (known) return known;
    const key = await deps.identities.signingKeyFor(projectId, {
      id: deps.ids('key'),
      secret: randomBytes(32).toString('base64url'),
    });
    if (byProject.size >= KEY_CACHE_LIMIT) byProject.clear();
    byProject.set(projectId, key);
    return key;
  }

  async function mint(projectId: string, input: { identity: string; ttl?: number }) {
    refuseReservedIdentity('/identity', input.identity);
    const key = await keyOfProject(projectId);
    const now = nowSec();
    const ttl = input.ttl ?? 3600;
    const token = signUserToken(key, { identity: input.identity, ttlSec: ttl, nowSec: now });
    return {
      token,
      identity: input.identity,
      expires_at: new Date((now + ttl) * 1000).toISOString(),
    };
  }

  /** The claims of a valid token, or null (unknown key, bad signature, expired, malformed). */
  async function claimsOf(token: string): Promise<UserClaims | null> {
    const kid = keyIdOf(token);
    const key = kid ? await keyById(kid) : null;
    return key ? verifyUserToken(token, key, nowSec()) : null;
  }

  async function verify(token: string): Promise<AuthContext | null> {
    const claims = await claimsOf(token);
    return claims
      ? {
          kind: 'user',
          projectId: claims.projectId,
          identity: claims.identity,
          // The project's own rate is the authenticator's to add (createAuthenticator).
          rateLimitPerSecond: null,
        }
      : null;
  }

  return { mint, claimsOf, verify };
}
