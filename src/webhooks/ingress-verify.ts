import { timingSafeEqual } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { UnauthorizedError } from '../platform/index.js';
import { computeSignature, signingKeyOf } from './signing.js';

/**
 * Checks on provider callbacks (`POST /v1/ingress/{connector_id}/{kind}`): the Standard
 * Webhooks signature under the connector's secret(s) and the connector's IP allow-list.
 * Written here rather than with the `standardwebhooks` package because that package reads
 * `Date.now()` and we inject the clock.
 */

/** Default allowed skew between the provider's `webhook-timestamp` and our clock. */
export const INGRESS_TOLERANCE_SEC = 5 * 60;

/** At most this many `v1,` signatures are examined, so a huge header costs bounded CPU. */
const MAX_SIGNATURES = 10;
const SIGNATURE_BYTES = 32;
const ERROR_CODE = 'invalid_webhook_signature';

/** What one ingress request offers for verification. */
export interface IngressVerifyInput {
  /** Request headers as Node gives them (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received, before any JSON parsing. */
  rawBody: string;
  /** The connector's active secrets (two during a rotation); any one may match. */
  secrets: string[];
  now: Date;
  toleranceSec?: number;
}

function readHeader(headers: IngressVerifyInput['headers'], name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first.trim() === '' ? undefined : first.trim();
}

function reject(detail: string): never {
  throw new UnauthorizedError(detail, ERROR_CODE);
}

function checkTimestamp(raw: string, now: Date, toleranceSec: number): number {
  if (!/^\d{1,12}$/.test(raw)) reject('webhook-timestamp is not Unix time in seconds.');
  const timestamp = Number(raw);
  const skew = Math.floor(now.getTime() / 1000) - timestamp;
  if (skew > toleranceSec) {
    reject(`webhook-timestamp is ${skew} s old; at most ${toleranceSec} s is accepted.`);
  }
  if (-skew > toleranceSec) {
    reject(`webhook-timestamp is ${-skew} s in the future; at most ${toleranceSec} s is accepted.`);
  }
  return timestamp;
}

/** The decoded 32-byte signatures of every `v1,` entry; other versions are ignored. */
function parseSignatures(header: string): Buffer[] {
  return header
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .slice(0, MAX_SIGNATURES)
    .map((entry) => Buffer.from(entry.slice(3), 'base64'))
    .filter((bytes) => bytes.length === SIGNATURE_BYTES);
}

/**
 * Throws `UnauthorizedError` (401, code `invalid_webhook_signature`) with a detail saying
 * which check failed: a missing header, a timestamp outside ±`toleranceSec` (default 300 s,
 * inclusive), or no `v1,` signature matching any of `secrets`. Comparisons are constant-time.
 */
export function verifyIngressSignature(input: IngressVerifyInput): void {
  const id = readHeader(input.headers, 'webhook-id');
  const rawTimestamp = readHeader(input.headers, 'webhook-timestamp');
  const header = readHeader(input.headers, 'webhook-signature');
  if (!id || !rawTimestamp || !header) {
    const missing = [
      id ? null : 'webhook-id',
      rawTimestamp ? null : 'webhook-timestamp',
      header ? null : 'webhook-signature',
    ].filter((name) => name !== null);
    reject(`Missing header(s): ${missing.join(', ')}.`);
  }
  const timestamp = checkTimestamp(
    rawTimestamp,
    input.now,
    input.toleranceSec ?? INGRESS_TOLERANCE_SEC,
  );
  const offered = parseSignatures(header);
  if (offered.length === 0) reject('webhook-signature holds no well-formed v1 signature.');
  if (input.secrets.length === 0) reject('This connector has no signing secret configured.');
  for (const secret of input.secrets) {
    const expected = Buffer.from(
      computeSignature(signingKeyOf(secret), id, timestamp, input.rawBody),
      'base64',
    );
    if (offered.some((candidate) => timingSafeEqual(candidate, expected))) return;
  }
  reject('No webhook-signature matches the request body under the connector secret.');
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parsed allow-list entries: every ingress request checks its connector's list. */
const parsedRanges = new Map<string, Range | null>();
const MAX_PARSED_RANGES = 10_000;

function parseRange(cidr: string): Range | null {
  const known = parsedRanges.get(cidr);
  if (known !== undefined) return known;
  if (parsedRanges.size >= MAX_PARSED_RANGES) parsedRanges.clear();
  const range = parseRangeText(cidr);
  parsedRanges.set(cidr, range);
  return range;
}

/** An address with an optional prefix length written without leading zeros. */
const RANGE_TEXT = /^([^/]+)(?:\/(0|[1-9][0-9]{0,2}))?$/;

/**
 * An allow-list entry in its plain written form only: IPv4 as four decimal parts, IPv6
 * without a zone. ipaddr.js also reads inet_aton's forms, so `010.0.0.1` (octal) would allow
 * 8.0.0.1 and `127.1` would allow 127.0.0.1: an operator's typo must not open another range.
 */
function parseRangeText(cidr: string): Range | null {
  try {
    const match = RANGE_TEXT.exec(cidr.trim());
    if (!match) return null;
    const [, text, prefix] = match;
    const ipv6 = text.includes(':');
    if (ipv6 ? text.includes('%') : !ipaddr.IPv4.isValidFourPartDecimal(text)) return null;
    const address = ipaddr.parse(text);
    const bits = prefix === undefined ? (ipv6 ? 128 : 32) : Number(prefix);
    if (bits > (ipv6 ? 128 : 32)) return null;
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
      if (bits < 96) return null;
      return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
    }
    return [address, bits];
  } catch {
    return null;
  }
}

/** Parsed source addresses: a provider calls from a few addresses, thousands of times. */
const parsedSources = new Map<string, ipaddr.IPv4 | ipaddr.IPv6 | null>();

function parseSource(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const known = parsedSources.get(ip);
  if (known !== undefined) return known;
  if (parsedSources.size >= MAX_PARSED_RANGES) parsedSources.clear();
  const source = ipaddr.isValid(ip) ? ipaddr.process(ip) : null;
  parsedSources.set(ip, source);
  return source;
}

/** True when `cidr` is an IPv4/IPv6 address or CIDR range `isIpAllowed` understands. */
export function isValidCidr(cidr: string): boolean {
  return parseRange(cidr) !== null;
}

/**
 * True when `ip` lies in one of `cidrs`. An empty list allows every source (no allow-list
 * configured). IPv4-mapped IPv6 sources (`::ffff:1.2.3.4`, as Node reports IPv4 clients on
 * a dual-stack socket) are matched against IPv4 ranges. An unparsable `ip` is refused;
 * unparsable entries in `cidrs` are ignored (validate them with `isValidCidr` when stored).
 */
export function isIpAllowed(ip: string, cidrs: string[]): boolean {
  if (cidrs.length === 0) return true;
  const source = parseSource(ip);
  if (!source) return false;
  return cidrs.some((cidr) => {
    const range = parseRange(cidr);
    if (!range || range[0].kind() !== source.kind()) return false;
    return source.match(range);
  });
}
