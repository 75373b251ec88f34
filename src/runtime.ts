import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import type { Config } from './config.js';
import {
  createEventStore,
  createOutbox,
  createOutboxFinisher,
  createOutboxRelay,
} from './events/index.js';
import { createFeatures, type Roles } from './features.js';
import {
  answerClientErrors,
  createDb,
  createIdGenerator,
  createJobRunner,
  createMetrics,
  createQueueRegistry,
  createInvalidationBus,
  createRedis,
  createRequestListener,
  createRequestValidation,
  loadOpenApi,
  redisOptions,
  systemClock,
  withTimeout,
  type Clock,
  type IdGenerator,
  type Logger,
} from './platform/index.js';

export type { Feature, Roles } from './features.js';

const READINESS_TIMEOUT_MS = 2_000;

/** True when `check` resolves within the readiness timeout; false when it rejects or is late. */
function answersInTime(check: PromiseLike<unknown>): Promise<boolean> {
  return withTimeout(check, READINESS_TIMEOUT_MS, () => new Error('late')).then(
    () => true,
    () => false,
  );
}

export interface RuntimeOptions {
  roles: Roles;
  logger: Logger;
  clock?: Clock;
  ids?: IdGenerator;
}

/**
 * The composition root: creates every connection and service from the config and wires the
 * features together. `main.ts` and the test harness are its only callers.
 */
export function createRuntime(config: Config, options: RuntimeOptions) {
  const { logger, roles } = options;
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? createIdGenerator(clock);
  const db = createDb(config.databaseUrl);
  const redis = createRedis(config.redisUrl);
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  // Commands on the request path (rate limits) share one write per event-loop turn; BullMQ
  // keeps the plain connection (auto-pipelining is reported to break its scripts).
  const edgeRedis = createRedis(config.redisUrl, { enableAutoPipelining: true });
  edgeRedis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const queues = createQueueRegistry({ connection: redis, prefix: config.redisPrefix });
  const events = createEventStore({ db, ids, clock });
  const outbox = createOutbox({ ids, clock });
  const bus = createInvalidationBus({
    redis,
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    logger,
  });
  const openapi = loadOpenApi();
  const validate = createRequestValidation(openapi);

  const { features, services } = createFeatures({
    config,
    roles,
    logger,
    clock,
    ids,
    db,
    redis,
    edgeRedis,
    bus,
    events,
    outbox,
    validate,
  });

  const relay = createOutboxRelay({
    db,
    databaseUrl: config.databaseUrl,
    queues,
    logger,
    clock,
    sweepMs: config.outboxSweepMs,
    recheckMs: config.outboxRecheckMs,
  });
  const runner = createJobRunner({
    connection: redisOptions(config.redisUrl),
    prefix: config.redisPrefix,
    logger,
    handlers: features.flatMap((f) => f.handlers ?? []),
    markFinished: createOutboxFinisher({ db, clock }),
  });

  /** Set by `drain`: the process is about to stop, so it is not ready for more traffic. */
  let draining = false;

  async function readiness(): Promise<Record<string, boolean>> {
    // Each check gets 2 s: a store that does not answer is not ready (a ping to a Redis that
    // is down waited in ioredis's offline queue for as long as it was gone).
    if (draining) return { draining: false };
    const [postgres, redisUp, ...featureChecks] = await Promise.all([
      answersInTime(db.raw('select 1')),
      answersInTime(redis.ping()),
      ...features.map((feature) => feature.readiness?.()),
    ]);
    return Object.assign({ postgres, redis: redisUp }, ...featureChecks) as Record<string, boolean>;
  }

  const metrics = createMetrics();
  const app = createApp({
    logger,
    openapi,
    metrics,
    readiness,
    routers: features.flatMap((f) => f.routers ?? []),
    trustProxy: config.trustProxy,
  });
  let server: Server | null = null;

  return {
    config,
    app,
    db,
    redis,
    queues,
    relay,
    services: { ...services, events, outbox, ids, clock },

    /** Starts the chosen roles; resolves with the HTTP port when the API runs. */
    async start(port = config.port): Promise<number | null> {
      await bus.start();
      for (const feature of features) await feature.start?.();
      // Workers run every queue's jobs; an orchestrator runs them too, because call jobs need
      // the process that holds the ARI connection (features register handlers by role).
      if (roles.worker) await relay.start();
      if (roles.worker || roles.orchestrator) runner.start();
      if (!roles.api) return null;
      server = createServer(
        createRequestListener({
          app,
          routes: features.flatMap((f) => f.leanRoutes ?? []),
          logger,
          metrics,
          trustProxy: config.trustProxy,
        }),
      );
      server.keepAliveTimeout = 65_000;
      answerClientErrors(server, logger);
      for (const feature of features) feature.onServer?.(server);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, config.host, resolve);
      });
      return (server.address() as AddressInfo).port;
    },

    /**
     * The first part of a graceful stop: for `ms`, the server goes on answering, but `/readyz`
     * says not ready (a load balancer stops sending) and every answer carries `Connection:
     * close`, so clients leave their keep-alive sockets. Closing those sockets at once reset
     * the requests clients were writing on them in a rolling restart.
     */
    async drain(ms: number): Promise<void> {
      if (!server || ms <= 0) return;
      draining = true;
      server.prependListener('request', (_req, res) => {
        if (!res.headersSent) res.setHeader('Connection', 'close');
      });
      await new Promise((resolve) => setTimeout(resolve, ms));
    },

    /** Graceful stop: no new requests or jobs, in-flight jobs finish, then connections close. */
    async stop(): Promise<void> {
      for (const feature of features) feature.beforeServerClose?.();
      if (server) {
        const closing = new Promise<void>((resolve) => server!.close(() => resolve()));
        server.closeIdleConnections();
        await closing;
        server = null;
      }
      await runner.stop();
      await relay.stop();
      for (const feature of [...features].reverse()) await feature.stop?.();
      await queues.close();
      bus.stop();
      edgeRedis.disconnect();
      redis.disconnect();
      await db.destroy();
    },
  };
}

export type Runtime = ReturnType<typeof createRuntime>;
