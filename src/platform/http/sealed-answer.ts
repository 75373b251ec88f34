import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { IdempotencyKeyRow } from './idempotency.js';

/**
 * Answers that carry a secret shown once (a new API key, a webhook signing secret, a user
 * token, a connector's secret) are stored for Idempotency-Key replays sealed: AES-256-GCM
 * under a key derived (HKDF-SHA-256) from the request's own credential, the `Authorization`
 * header, which the database holds only hashed. A replay with the same credential opens it;
 * a reader of `idempotency_keys` finds no secret. Stored in clear, the table gave anyone who
 * could read it every key minted in the last 48 hours.
 */

const SEALED_FIELD = '$sealed';
const INFO = 'trunkline idempotent answer v1';

function keyOf(credential: string, where: IdempotencyKeyRow): Buffer {
  const salt = `${where.project_id}\n${where.scope}\n${where.key}`;
  return Buffer.from(hkdfSync('sha256', credential, salt, INFO, 32));
}

/** The JSON text to store for `text` (the answer's body), sealed under `credential`. */
export function sealAnswer(text: string, credential: string, where: IdempotencyKeyRow): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(credential, where), iv);
  const sealed = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  const parts = [iv, sealed, cipher.getAuthTag()].map((b) => b.toString('base64url'));
  return JSON.stringify({ [SEALED_FIELD]: parts.join('.') });
}

/**
 * The answer's text from what was stored: as it is when it was not sealed, opened with
 * `credential` when it was; null when it was sealed under another credential.
 */
export function openAnswer(
  stored: string,
  credential: string,
  where: IdempotencyKeyRow,
): string | null {
  if (!stored.startsWith(`{"${SEALED_FIELD}":`)) return stored;
  const sealed = (JSON.parse(stored) as Record<string, unknown>)[SEALED_FIELD];
  const [iv, data, tag] = String(sealed)
    .split('.')
    .map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !data || !tag) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(credential, where), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
