/** Reconnect back-off of one bind: exponential from `initialMs`, capped at `maxMs`, jittered. */
export interface ReconnectPolicy {
  initialMs: number;
  maxMs: number;
}

/**
 * One SMPP bind (one `SMPP_URL` entry). Trunkline binds as a transceiver, so submits and
 * DLR / MO `deliver_sm` share the connection.
 */
export interface SmppBindConfig {
  /** `smpp-1`, `smpp-2`... in configured order, or `?id=`; shown on messages as `connector`. */
  id: string;
  host: string;
  port: number;
  /** `ssmpp://` URLs connect over TLS. */
  tls: boolean;
  systemId: string;
  password: string;
  systemType: string;
  /** Most `submit_sm` awaiting their `submit_sm_resp` at once (`?window=`, default 10). */
  window: number;
  /** Most submits started per second (`?throughput=`, default 0 = no cap). */
  throughput: number;
  /** A request without a response after this long fails (`?response_timeout_ms=`, default 10 s). */
  responseTimeoutMs: number;
  /** Keep-alive period while bound (`?enquire_link_ms=`, default 30 s). */
  enquireLinkMs: number;
  /** Destination prefixes this bind serves (`?prefix=`); empty = every destination. */
  prefixes: string[];
  reconnect: ReconnectPolicy;
}

const DEFAULT_PORT = 2775;
const DEFAULT_TLS_PORT = 3550;

const INTEGER_PARAMS = {
  window: { min: 1, max: 10_000 },
  throughput: { min: 0, max: 100_000 },
  response_timeout_ms: { min: 1, max: 600_000 },
  enquire_link_ms: { min: 1, max: 3_600_000 },
  reconnect_initial_ms: { min: 1, max: 600_000 },
  reconnect_max_ms: { min: 1, max: 3_600_000 },
} as const;
type IntegerParam = keyof typeof INTEGER_PARAMS;

const KNOWN_PARAMS = new Set<string>([
  ...Object.keys(INTEGER_PARAMS),
  'prefix',
  'id',
  'system_type',
]);

/**
 * Parses `SMPP_URL`: one or more `smpp://system_id:password@host:port?window=10&throughput=100&prefix=%2B44`
 * separated by commas (percent-encode a comma inside a password). `prefix` may repeat or list
 * several values separated by `|`. Throws an Error naming SMPP_URL for anything malformed, so a
 * bad value stops the process at start; the message never contains the password.
 */
export function parseSmppUrls(value: string): SmppBindConfig[] {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new Error('SMPP_URL is empty.');
  const configs = entries.map((entry, index) => parseEntry(entry, index));
  const ids = new Set<string>();
  for (const config of configs) {
    if (ids.has(config.id)) throw new Error(`SMPP_URL: the id "${config.id}" is used twice.`);
    ids.add(config.id);
  }
  return configs;
}

function parseEntry(entry: string, index: number): SmppBindConfig {
  const where = `SMPP_URL entry ${index + 1}`;
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw new Error(`${where} is not a URL (expected smpp://system_id:password@host:port).`);
  }
  if (url.protocol !== 'smpp:' && url.protocol !== 'ssmpp:') {
    throw new Error(`${where} must start with smpp:// or ssmpp://.`);
  }
  if (!url.hostname) throw new Error(`${where} has no host.`);
  const systemId = decode(url.username, where);
  if (!systemId) throw new Error(`${where} has no system_id (smpp://system_id:password@host).`);
  for (const key of url.searchParams.keys()) {
    if (!KNOWN_PARAMS.has(key)) throw new Error(`${where} has an unknown parameter "${key}".`);
  }
  const tls = url.protocol === 'ssmpp:';
  const reconnect = {
    initialMs: readInteger(url, 'reconnect_initial_ms', 200, where),
    maxMs: readInteger(url, 'reconnect_max_ms', 30_000, where),
  };
  if (reconnect.maxMs < reconnect.initialMs) {
    throw new Error(`${where}: reconnect_max_ms is below reconnect_initial_ms.`);
  }
  return {
    id: readId(url, index, where),
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : tls ? DEFAULT_TLS_PORT : DEFAULT_PORT,
    tls,
    systemId,
    password: decode(url.password, where),
    systemType: url.searchParams.get('system_type') ?? '',
    window: readInteger(url, 'window', 10, where),
    throughput: readInteger(url, 'throughput', 0, where),
    responseTimeoutMs: readInteger(url, 'response_timeout_ms', 10_000, where),
    enquireLinkMs: readInteger(url, 'enquire_link_ms', 30_000, where),
    prefixes: readPrefixes(url, where),
    reconnect,
  };
}

function decode(value: string, where: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new Error(`${where} has a badly percent-encoded user or password.`);
  }
}

function readId(url: URL, index: number, where: string): string {
  const id = url.searchParams.get('id');
  if (id === null) return `smpp-${index + 1}`;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) {
    throw new Error(`${where}: id must be 1-64 letters, digits, '.', '_' or '-'.`);
  }
  return id;
}

function readInteger(url: URL, name: IntegerParam, fallback: number, where: string): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const { min, max } = INTEGER_PARAMS[name];
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new Error(`${where}: ${name} must be an integer from ${min} to ${max}.`);
  }
  return value;
}

function readPrefixes(url: URL, where: string): string[] {
  const prefixes = url.searchParams
    .getAll('prefix')
    .flatMap((value) => value.split('|'))
    .map((prefix) => prefix.trim())
    .filter((prefix) => prefix !== '');
  for (const prefix of prefixes) {
    if (!/^\+?\d{1,15}$/.test(prefix)) {
      throw new Error(`${where}: prefix "${prefix}" must be digits with an optional leading +.`);
    }
  }
  return [...new Set(prefixes.map((prefix) => (prefix.startsWith('+') ? prefix : `+${prefix}`)))];
}
