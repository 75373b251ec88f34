import { Ajv } from 'ajv';

/**
 * Typed settings, read from the environment once at start (STYLE.md §4). Each key names its
 * variable, default and meaning; the README's configuration table mirrors this list. A bad
 * value stops the process with a message naming the variable.
 */
export interface Config {
  databaseUrl: string;
  redisUrl: string;
  /** Prefix for every Redis key (BullMQ queues, limits): lets several deployments share one Redis. */
  redisPrefix: string;
  port: number;
  host: string;
  publicUrl: string;
  adminToken: string | null;
  logLevel: string;
  smppUrl: string | null;
  ariUrl: string | null;
  ariApp: string;
  ariDialTemplate: string;
  webhookAllowPrivate: boolean;
  webhookRetryDelays: string | null;
  /** Requests per second per API key, unless the project sets its own limit. */
  rateLimitPerSecond: number;
  trustProxy: boolean;
  s3: {
    endpoint: string | null;
    bucket: string;
    region: string;
    accessKeyId: string | null;
    secretAccessKey: string | null;
  };
  /** How long a receipt waits for its id as given before its hex/decimal reading is tried (ms). */
  receiptCrossBaseWaitMs: number;
  /** How often the outbox relay sweeps for work that missed its notification, in ms. */
  outboxSweepMs: number;
  shutdownDrainMs: number;
  /** Days a succeeded webhook delivery and its attempts are kept; 0 keeps them. */
  webhookLogRetentionDays: number;
  /** At start, how long to wait for PostgreSQL and Redis to answer (ms). */
  startupWaitMs: number;
  /** Where local state lives: the sandbox object store, the TTS cache. */
  dataDir: string;
  /** TTS_CACHE_MAX_MB, in bytes. */
  ttsCacheMaxBytes: number;
  /** How often an enqueued, unfinished outbox row is checked against Redis, in ms. */
  outboxRecheckMs: number;
  /** Consecutive failures that open an endpoint's circuit breaker. */
  webhookBreakerThreshold: number;
  /** How long an open breaker parks an endpoint's deliveries before one probe, in ms. */
  webhookBreakerOpenMs: number;
  /** Webhook attempts in flight at once per endpoint, per worker process. */
  webhookConcurrencyPerEndpoint: number;
}

interface Setting {
  env: string;
  type: 'string' | 'integer' | 'boolean';
  default?: string;
  description: string;
  pattern?: string;
  enum?: string[];
  /** The largest value of an integer setting (default 65,535,000). */
  maximum?: number;
}

/** Every variable Trunkline reads. Keep in step with the README configuration table. */
export const SETTINGS: Setting[] = [
  {
    env: 'DATABASE_URL',
    type: 'string',
    default: 'postgres://postgres@127.0.0.1:5432/trunkline',
    pattern: '^postgres(ql)?://',
    description: 'PostgreSQL; the database is created if missing',
  },
  {
    env: 'REDIS_URL',
    type: 'string',
    default: 'redis://127.0.0.1:6379',
    pattern: '^rediss?://',
    description: 'Redis (a /N database index is honoured)',
  },
  {
    env: 'REDIS_PREFIX',
    type: 'string',
    default: 'trunkline',
    pattern: '^[A-Za-z0-9_.:-]{1,64}$',
    description: 'prefix of every Redis key',
  },
  { env: 'PORT', type: 'integer', default: '3000', maximum: 65535, description: 'HTTP port' },
  { env: 'HOST', type: 'string', default: '0.0.0.0', description: 'HTTP bind address' },
  {
    env: 'PUBLIC_URL',
    type: 'string',
    description: 'how others reach this server (default http://127.0.0.1:$PORT)',
  },
  { env: 'ADMIN_TOKEN', type: 'string', description: 'enables /admin/v1 (unset = admin API off)' },
  {
    env: 'LOG_LEVEL',
    type: 'string',
    default: 'info',
    enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    description: 'pino log level',
  },
  {
    env: 'SMPP_URL',
    type: 'string',
    description: 'SMPP binds, comma-separated (unset = sandbox SMSC)',
  },
  { env: 'ARI_URL', type: 'string', description: 'Asterisk ARI base URL (unset = sandbox PBX)' },
  { env: 'ARI_APP', type: 'string', default: 'trunkline', description: 'Stasis application name' },
  {
    env: 'ARI_DIAL_TEMPLATE',
    type: 'string',
    default: 'PJSIP/{to}@trunk',
    description: 'endpoint for outbound legs',
  },
  {
    env: 'WEBHOOK_ALLOW_PRIVATE',
    type: 'boolean',
    default: 'false',
    description: 'allow callback URLs on private/loopback addresses',
  },
  {
    env: 'WEBHOOK_RETRY_DELAYS',
    type: 'string',
    // The shape only; the webhooks feature also refuses a delay of 0 at start.
    pattern: '^ *[0-9]+(\\.[0-9]+)? *(, *[0-9]+(\\.[0-9]+)? *)*$',
    description: 'seconds between webhook attempts, comma-separated',
  },
  {
    env: 'RATE_LIMIT_PER_SECOND',
    type: 'integer',
    default: '100',
    description: 'default requests per second per API key',
  },
  {
    env: 'TRUST_PROXY',
    type: 'boolean',
    default: 'false',
    description: 'honour X-Forwarded-For for client addresses',
  },
  { env: 'S3_ENDPOINT', type: 'string', description: 'object storage endpoint (unset = local)' },
  { env: 'S3_BUCKET', type: 'string', default: 'trunkline', description: 'object storage bucket' },
  { env: 'S3_REGION', type: 'string', default: 'us-east-1', description: 'object storage region' },
  { env: 'S3_ACCESS_KEY_ID', type: 'string', description: 'object storage access key' },
  { env: 'S3_SECRET_ACCESS_KEY', type: 'string', description: 'object storage secret key' },
  {
    env: 'WEBHOOK_LOG_RETENTION_DAYS',
    type: 'integer',
    default: '30',
    description: 'days a succeeded webhook delivery and its attempts are kept (0 = for ever)',
  },
  {
    env: 'STARTUP_WAIT_MS',
    type: 'integer',
    default: '60000',
    description:
      'at start, how long to wait for PostgreSQL and Redis to answer before giving up (0 = try once)',
  },
  {
    env: 'SHUTDOWN_DRAIN_MS',
    type: 'integer',
    default: '3000',
    description:
      'on SIGTERM, how long the API keeps answering (readyz 503, every answer Connection: close) before it closes',
  },
  {
    env: 'RECEIPT_CROSS_BASE_WAIT_MS',
    type: 'integer',
    default: '45000',
    description:
      'how long a delivery receipt waits for a part with its message id as given before the id read in hex or decimal is tried',
  },
  {
    env: 'OUTBOX_SWEEP_MS',
    type: 'integer',
    default: '5000',
    description: 'outbox safety sweep period (ms)',
  },
  {
    env: 'DATA_DIR',
    type: 'string',
    default: './var',
    description: 'local state: sandbox object store, TTS cache',
  },
  {
    env: 'OUTBOX_RECHECK_MS',
    type: 'integer',
    default: '10000',
    description: 'how often an open outbox job is checked against Redis (ms)',
  },
  {
    env: 'WEBHOOK_BREAKER_THRESHOLD',
    type: 'integer',
    default: '5',
    description: 'consecutive failures that open an endpoint breaker',
  },
  {
    env: 'WEBHOOK_BREAKER_OPEN_MS',
    type: 'integer',
    default: '30000',
    description: 'how long an open breaker parks deliveries (ms)',
  },
  {
    env: 'WEBHOOK_CONCURRENCY_PER_ENDPOINT',
    type: 'integer',
    default: '10',
    description: 'webhook attempts in flight at once per endpoint, per worker process',
  },
  {
    env: 'TTS_CACHE_MAX_MB',
    type: 'integer',
    default: '1024',
    description: 'speech cache on disk, at most (least recently used files go first)',
  },
];

function buildSchema() {
  const properties: Record<string, object> = {};
  for (const s of SETTINGS) {
    if (s.type === 'integer')
      properties[s.env] = { type: 'integer', minimum: 0, maximum: s.maximum ?? 65535 * 1000 };
    else if (s.type === 'boolean') properties[s.env] = { type: 'boolean' };
    else
      properties[s.env] = {
        type: 'string',
        minLength: 1,
        ...(s.pattern && { pattern: s.pattern }),
        ...(s.enum && { enum: s.enum }),
      };
  }
  return { type: 'object', properties };
}

const validateEnv = new Ajv({ coerceTypes: true, allErrors: true, useDefaults: false }).compile(
  buildSchema(),
);

export class ConfigError extends Error {}

/** Reads and validates the settings; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const raw: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const value = env[s.env] === '' ? undefined : env[s.env];
    if (value !== undefined) raw[s.env] = value;
    else if (s.default !== undefined) raw[s.env] = s.default;
  }
  if (!validateEnv(raw)) {
    const problems = (validateEnv.errors ?? []).map(
      (e) => `${e.instancePath.slice(1) || 'environment'} ${e.message}`,
    );
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const v = raw as Record<string, string | number | boolean | undefined>;
  const str = (k: string) => (v[k] === undefined ? null : String(v[k]));
  const port = Number(v.PORT);
  return {
    databaseUrl: String(v.DATABASE_URL),
    redisUrl: String(v.REDIS_URL),
    redisPrefix: String(v.REDIS_PREFIX),
    port,
    host: String(v.HOST),
    publicUrl: str('PUBLIC_URL') ?? `http://127.0.0.1:${port}`,
    adminToken: str('ADMIN_TOKEN'),
    logLevel: String(v.LOG_LEVEL),
    smppUrl: str('SMPP_URL'),
    ariUrl: str('ARI_URL'),
    ariApp: String(v.ARI_APP),
    ariDialTemplate: String(v.ARI_DIAL_TEMPLATE),
    webhookAllowPrivate: Boolean(v.WEBHOOK_ALLOW_PRIVATE),
    webhookRetryDelays: str('WEBHOOK_RETRY_DELAYS'),
    rateLimitPerSecond: Number(v.RATE_LIMIT_PER_SECOND),
    trustProxy: Boolean(v.TRUST_PROXY),
    s3: {
      endpoint: str('S3_ENDPOINT'),
      bucket: String(v.S3_BUCKET),
      region: String(v.S3_REGION),
      accessKeyId: str('S3_ACCESS_KEY_ID'),
      secretAccessKey: str('S3_SECRET_ACCESS_KEY'),
    },
    receiptCrossBaseWaitMs: Number(v.RECEIPT_CROSS_BASE_WAIT_MS),
    outboxSweepMs: Number(v.OUTBOX_SWEEP_MS),
    shutdownDrainMs: Number(v.SHUTDOWN_DRAIN_MS),
    startupWaitMs: Number(v.STARTUP_WAIT_MS),
    webhookLogRetentionDays: Math.max(0, Number(v.WEBHOOK_LOG_RETENTION_DAYS)),
    outboxRecheckMs: Number(v.OUTBOX_RECHECK_MS),
    dataDir: String(v.DATA_DIR),
    webhookBreakerThreshold: Math.max(1, Number(v.WEBHOOK_BREAKER_THRESHOLD)),
    webhookBreakerOpenMs: Number(v.WEBHOOK_BREAKER_OPEN_MS),
    webhookConcurrencyPerEndpoint: Math.max(1, Number(v.WEBHOOK_CONCURRENCY_PER_ENDPOINT)),
    ttsCacheMaxBytes: Math.max(1, Number(v.TTS_CACHE_MAX_MB)) * 1024 * 1024,
  };
}
