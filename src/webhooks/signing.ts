import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the signature is
 * `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the bytes of the
 * base64 part of a `whsec_...` secret. Pure functions: the caller supplies id, time and body,
 * so the same event re-sent on a retry carries the same `webhook-id`.
 */

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** What a delivery is signed over; `secrets` has two entries during a rotation's overlap. */
export interface SignInput {
  /** The event id (`evt_...`): identical on every retry so receivers can de-duplicate. */
  id: string;
  /** Unix time in whole seconds of this attempt. */
  timestamp: number;
  /** The exact bytes sent as the request body (UTF-8 text). */
  body: string;
  /** Active `whsec_...` secrets, newest first; each adds one `v1,` signature. */
  secrets: string[];
}

/** The headers of one signed delivery attempt. */
export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  'content-type': 'application/json';
  'user-agent': 'Trunkline-Webhooks/1';
  [name: string]: string;
}

/** A fresh secret: `whsec_` + base64 of 24 random bytes (192 bits of key). */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

/**
 * The HMAC key of a secret: the base64-decoded part after `whsec_` (the prefix is optional,
 * as in the reference libraries). Throws on an empty or non-base64 secret, because Node's
 * lenient decoder would otherwise turn a typo into a different, silently wrong key.
 */
export function decodeWebhookSecret(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!BASE64.test(encoded)) {
    throw new Error('A webhook secret must be "whsec_" followed by base64.');
  }
  return Buffer.from(encoded, 'base64');
}

/** HMAC keys of recently used secrets, shared by signing and ingress verification. */
const keys = new Map<string, KeyObject>();
const MAX_REMEMBERED_SECRETS = 10_000;

/**
 * The HMAC key of a secret (`decodeWebhookSecret`) as a KeyObject, remembered: a secret is
 * decoded once, not on every attempt, and HMAC with a KeyObject skips importing the key
 * bytes on each call (~1 µs of 3–4 per signature on 2026-12 VMs). A secret that does not
 * decode throws each time.
 */
export function signingKeyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(decodeWebhookSecret(secret));
    if (keys.size >= MAX_REMEMBERED_SECRETS) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

/** The base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` under one key (no `v1,` prefix). */
export function computeSignature(
  key: KeyObject,
  id: string,
  timestamp: number,
  body: string,
): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
}

/** The full `webhook-signature` value: one `v1,<sig>` per secret, separated by spaces. */
export function signPayload(input: SignInput): string {
  if (input.secrets.length === 0) throw new Error('signPayload needs at least one secret.');
  if (!Number.isInteger(input.timestamp)) {
    throw new Error('webhook-timestamp must be whole Unix seconds.');
  }
  return input.secrets
    .map(
      (secret) =>
        `v1,${computeSignature(signingKeyOf(secret), input.id, input.timestamp, input.body)}`,
    )
    .join(' ');
}

/** Every header of a signed delivery attempt, ready to hand to the HTTP sender. */
export function webhookHeaders(input: SignInput): WebhookHeaders {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': signPayload(input),
    'content-type': 'application/json',
    'user-agent': 'Trunkline-Webhooks/1',
  };
}
