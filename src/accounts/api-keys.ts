import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys: `tk_` + base64url of 32 random bytes. Only a 12-character lookup prefix and the
 * SHA-256 of the whole key are stored; the key itself is shown once.
 */
const KEY_PATTERN = /^tk_[A-Za-z0-9_-]{43}$/;
const PREFIX_LENGTH = 'tk_'.length + 12;

export interface NewApiKey {
  key: string;
  prefix: string;
  hash: string;
}

export function generateApiKey(): NewApiKey {
  const key = `tk_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, PREFIX_LENGTH), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The lookup prefix of a well-formed key, or null for anything else. */
export function prefixOf(key: string): string | null {
  return KEY_PATTERN.test(key) ? key.slice(0, PREFIX_LENGTH) : null;
}

/** Constant-time comparison of a presented key with a stored hash. */
export function keyMatches(key: string, storedHash: string): boolean {
  const presented = Buffer.from(hashApiKey(key), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** Constant-time comparison of two secrets of any length (the admin token). */
export function secretEquals(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
