import jwt from 'jsonwebtoken';
import { isChatIdentity, isReservedIdentity } from './identity.js';

/** The longest a user token may live (the issue: `exp` at most 24 h after issue). */
export const MAX_TOKEN_TTL_SEC = 24 * 3600;

/** A project's token signing key: `id` is the JWT `kid`. */
export interface SigningKey {
  id: string;
  projectId: string;
  secret: string;
}

/** What a valid user token says: who, in which project, until when (Unix seconds). */
export interface UserClaims {
  projectId: string;
  identity: string;
  expiresAt: number;
}

/** Mints an HS256 user token: `sub` identity, `prj` project, `kid` the signing key. */
export function signUserToken(
  key: SigningKey,
  input: { identity: string; ttlSec: number; nowSec: number },
): string {
  const ttl = Math.min(Math.max(1, Math.floor(input.ttlSec)), MAX_TOKEN_TTL_SEC);
  return jwt.sign(
    { sub: input.identity, prj: key.projectId, iat: input.nowSec, exp: input.nowSec + ttl },
    key.secret,
    { algorithm: 'HS256', keyid: key.id, issuer: 'trunkline' },
  );
}

/** The `kid` of a token's header, without trusting anything else in it; null if unreadable. */
export function keyIdOf(token: string): string | null {
  const decoded = jwt.decode(token, { complete: true });
  const kid = decoded && typeof decoded === 'object' ? decoded.header.kid : undefined;
  return typeof kid === 'string' ? kid : null;
}

/**
 * Checks a token against its project's key: HS256 only, signature, issuer, expiry, a lifetime
 * of at most 24 h, a project claim matching the key's project and a valid, unreserved identity. Any
 * failure is null, so a forged, expired or other-project token is simply not a credential.
 */
export function verifyUserToken(token: string, key: SigningKey, nowSec: number): UserClaims | null {
  let payload: jwt.JwtPayload;
  try {
    const verified = jwt.verify(token, key.secret, {
      algorithms: ['HS256'],
      issuer: 'trunkline',
      clockTimestamp: nowSec,
    });
    if (typeof verified !== 'object') return null;
    payload = verified;
  } catch {
    return null;
  }
  const { sub, prj, exp, iat } = payload as {
    sub?: unknown;
    prj?: unknown;
    exp?: unknown;
    iat?: unknown;
  };
  if (typeof sub !== 'string' || !isChatIdentity(sub) || isReservedIdentity(sub)) return null;
  if (prj !== key.projectId) return null;
  if (typeof exp !== 'number' || typeof iat !== 'number') return null;
  if (exp - iat > MAX_TOKEN_TTL_SEC || exp <= nowSec) return null;
  return { projectId: key.projectId, identity: sub, expiresAt: exp };
}
