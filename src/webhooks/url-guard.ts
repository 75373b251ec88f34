import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector } from 'undici';
import { UnprocessableError, withTimeout } from '../platform/index.js';

/**
 * SSRF guard for callback URLs. A customer-supplied URL must not make the platform call
 * into its own network: loopback, RFC 1918, link-local (cloud metadata at 169.254.169.254),
 * CGNAT, multicast, unspecified, reserved and the IPv6 equivalents are refused, both when
 * the URL is registered and again at connect time (the address actually dialled is the one
 * checked, so DNS rebinding between the two cannot slip through). `allowPrivate`
 * (WEBHOOK_ALLOW_PRIVATE=true) lifts the address checks for local development and tests.
 */

/** Resolves a host name to every address it has (A and AAAA), in resolver order. */
export type HostLookup = (host: string) => Promise<string[]>;

/** The system resolver (getaddrinfo, so /etc/hosts applies just as it would for a socket). */
export const systemLookup: HostLookup = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Longest callback URL, in UTF-8 bytes rather than characters: each delivery stores its URL
 * under a unique index, whose entries PostgreSQL caps at 2,704 bytes, and 2,048 characters of
 * emoji (8 KB) made every event of the project fail to be scheduled (a 500 on each send).
 */
const MAX_URL_BYTES = 2048;
const DEFAULT_LOOKUP_TIMEOUT_MS = 5000;
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/** Raised at connect time when a callback host turns out to be non-public. */
export class PrivateAddressError extends Error {
  readonly code = 'ERR_PRIVATE_ADDRESS';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} resolves to ${address}, which is not a public address`);
    this.name = 'PrivateAddressError';
  }
}

/**
 * True only for a publicly routable unicast address. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is
 * judged as the IPv4 it carries; IPv6 must be global unicast (2000::/3) outside the special
 * ranges (6to4, Teredo, NAT64 and documentation prefixes can all reach private IPv4).
 * Anything unparsable is not public.
 */
export function isPublicAddress(ip: string): boolean {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (isIP(bare) === 0) return false;
  try {
    const address = ipaddr.process(bare);
    if (address.range() !== 'unicast') return false;
    return address.kind() === 'ipv4' || address.match(GLOBAL_UNICAST_V6);
  } catch {
    return false;
  }
}

/** Options for `checkCallbackUrl`. */
export interface CheckCallbackUrlOptions {
  /** WEBHOOK_ALLOW_PRIVATE: when true only the URL's form is checked, not where it points. */
  allowPrivate: boolean;
  lookup?: HostLookup;
  lookupTimeoutMs?: number;
  /** JSON pointer of the request field holding the URL, for the 422 `errors` list. */
  path?: string;
}

function refuse(detail: string, path: string | undefined): never {
  const errors = path ? [{ path, message: detail }] : undefined;
  throw new UnprocessableError(detail, 'invalid_callback_url', errors);
}

/**
 * Accepts a callback URL or throws `UnprocessableError` (422, code `invalid_callback_url`)
 * whose detail says why: not an absolute URL, not http(s), credentials in the URL, an
 * address that is not public, or a host that does not resolve. With `allowPrivate` the
 * host is not resolved at all (development receivers often have no DNS name).
 */
export async function checkCallbackUrl(
  url: string,
  options: CheckCallbackUrlOptions,
): Promise<void> {
  const { path } = options;
  if (Buffer.byteLength(url) > MAX_URL_BYTES)
    refuse(`Callback URL is longer than ${MAX_URL_BYTES} bytes (UTF-8).`, path);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    refuse('Callback URL is not a valid absolute URL.', path);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    refuse(`Callback URL must use http or https, not ${parsed.protocol.slice(0, -1)}.`, path);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    refuse('Callback URL must not contain a user name or password.', path);
  }
  if (options.allowPrivate) return;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0) {
    if (!isPublicAddress(host))
      refuse(`Callback URL points to a non-public address (${host}).`, path);
    return;
  }
  let addresses: string[];
  try {
    addresses = await withTimeout(
      (options.lookup ?? systemLookup)(host),
      options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS,
      () => new Error('DNS lookup timed out'),
    );
  } catch {
    addresses = [];
  }
  if (addresses.length === 0) refuse(`Callback URL host ${host} does not resolve.`, path);
  const blocked = addresses.find((address) => !isPublicAddress(address));
  if (blocked)
    refuse(`Callback URL host ${host} resolves to a non-public address (${blocked}).`, path);
}

/**
 * The address to dial for `hostname`: the literal itself, or the first resolved address,
 * provided every address is public (a name with one private answer is refused outright).
 */
export async function resolvePublicAddress(
  hostname: string,
  lookup: HostLookup,
  isAllowed: (ip: string) => boolean = isPublicAddress,
): Promise<string> {
  if (isIP(hostname) !== 0) {
    if (!isAllowed(hostname)) throw new PrivateAddressError(hostname, hostname);
    return hostname;
  }
  const addresses = await lookup(hostname);
  if (addresses.length === 0) {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  }
  const blocked = addresses.find((address) => !isAllowed(address));
  if (blocked) throw new PrivateAddressError(hostname, blocked);
  return addresses[0];
}

/**
 * An undici connector that resolves the host itself, refuses non-public addresses, then
 * dials the checked address. `host` is left untouched so TLS SNI and certificate checks
 * still use the name from the URL.
 */
export function createGuardedConnector(options: {
  timeoutMs: number;
  lookup?: HostLookup;
  /** Which addresses may be dialled; `isPublicAddress` unless a test says otherwise. */
  isAllowed?: (ip: string) => boolean;
}): buildConnector.connector {
  const connect = buildConnector({ timeout: options.timeoutMs });
  const lookup = options.lookup ?? systemLookup;
  const isAllowed = options.isAllowed ?? isPublicAddress;
  return (connectOptions, callback) => {
    resolvePublicAddress(connectOptions.hostname, lookup, isAllowed).then(
      (address) => connect({ ...connectOptions, hostname: address }, callback),
      (error: Error) => callback(error, null),
    );
  };
}

/** Options for the HTTP agent used to deliver webhooks. */
export interface GuardedAgentOptions {
  allowPrivate: boolean;
  /** Connect timeout, milliseconds. */
  timeoutMs: number;
  lookup?: HostLookup;
}

/**
 * The undici Agent for webhook deliveries: with `allowPrivate` false every new connection
 * goes through `createGuardedConnector`, so no request can reach a private address however
 * the URL was registered. Kept-alive sockets stay on the address checked when they opened.
 */
export function createGuardedAgent(options: GuardedAgentOptions): Agent {
  const connect = options.allowPrivate
    ? { timeout: options.timeoutMs }
    : createGuardedConnector({ timeoutMs: options.timeoutMs, lookup: options.lookup });
  return new Agent({ connect, keepAliveTimeout: 4000 });
}
