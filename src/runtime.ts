import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Router } from 'express';
import { createApp } from './app.js';
import type { Config } from './config.js';
import {
  createAccountsService,
  createAccountsStore,
  createAdminRouter,
  createAuthenticator,
  createProjectRouter,
  type UserTokenVerifier,
} from './accounts/index.js';
import {
  createEventStore,
  createOutbox,
  createOutboxFinisher,
  createOutboxRelay,
} from './events/index.js';
import {
  createDb,
  createIdGenerator,
  createIdempotency,
  createJobRunner,
  createMetrics,
  createQueueRegistry,
  createRateLimit,
  createRedis,
  createRequestValidation,
  loadOpenApi,
  redisOptions,
  systemClock,
  type Clock,
  type IdGenerator,
  type JobHandler,
  type Logger,
} from './platform/index.js';
import { createChatFeature, type SendConversationSms } from './chat/index.js';
import { createMessagingFeature } from './messaging/index.js';
import { createNumbersRouter, createNumbersStore } from './numbers/index.js';
import { createUsageRouter, createUsageStore } from './usage/index.js';
import { createVoiceFeature } from './voice/index.js';
import { createMediaStorage } from './media/index.js';
import { checkCallbackUrl, createWebhooksFeature } from './webhooks/index.js';

/** Which parts of Trunkline this process runs (`trunkline start` runs them all). */
export interface Roles {
  api: boolean;
  worker: boolean;
  orchestrator: boolean;
}

/** What a feature contributes to the process. */
export interface Feature {
  routers?: Router[];
  handlers?: JobHandler[];
  start?(): Promise<void>;
  stop?(): Promise<void>;
  readiness?(): Promise<Record<string, boolean>>;
  /** Called once the HTTP server exists (WebSocket upgrades). */
  onServer?(server: Server): void;
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
  const queues = createQueueRegistry({ connection: redis, prefix: config.redisPrefix });
  const events = createEventStore({ db, ids, clock });
  const outbox = createOutbox({ ids, clock });
  const openapi = loadOpenApi();
  const validate = createRequestValidation(openapi);

  const accounts = createAccountsService({ db, store: createAccountsStore(db), ids, clock });
  const guardUrl = (url: string) =>
    checkCallbackUrl(url, { allowPrivate: config.webhookAllowPrivate });
  let verifyUserToken: UserTokenVerifier = async () => null;
  const auth = createAuthenticator({
    accounts,
    adminToken: config.adminToken,
    verifyUserToken: (token) => verifyUserToken(token),
    after: [
      createRateLimit({
        redis,
        prefix: config.redisPrefix,
        defaultPerSecond: config.rateLimitPerSecond,
      }),
      createIdempotency({ db, clock }),
    ],
  });

  const webhooks = createWebhooksFeature({
    db,
    outbox,
    ids,
    clock,
    logger,
    validate,
    auth,
    allowPrivate: config.webhookAllowPrivate,
    retryDelays: config.webhookRetryDelays,
    breaker: {
      failureThreshold: config.webhookBreakerThreshold,
      openForMs: config.webhookBreakerOpenMs,
    },
    signingSecrets: (projectId) => accounts.signingSecrets(projectId),
    projectWebhookUrl: (trx, projectId) => accounts.projectWebhookUrl(trx, projectId),
  });

  // Messaging is created after chat and voice (it calls into chat for inbound SMS); they
  // reach it through this late-bound function.
  let sendSms: SendConversationSms = async () => {
    throw new Error('messaging is not wired');
  };
  const media = createMediaStorage({ ...config.s3, dataDir: config.dataDir }, { logger });
  const chat = createChatFeature({
    db,
    redis,
    redisUrl: config.redisUrl,
    redisPrefix: config.redisPrefix,
    events,
    outbox,
    scheduleWebhook: webhooks.scheduleWebhook,
    ids,
    clock,
    logger,
    validate,
    auth,
    blobs: media.blobs,
    sendSms: (input) => sendSms(input),
  });
  verifyUserToken = chat.verifyUserToken;

  const numbersStore = createNumbersStore(db);
  const voice = createVoiceFeature({
    db,
    events,
    outbox,
    scheduleWebhook: webhooks.scheduleWebhook,
    ids,
    clock,
    logger,
    validate,
    auth,
    blobs: media.blobs,
    findNumber: (number) => numbersStore.findByNumber(number),
    sendSms: (input) => sendSms(input),
    config: {
      ariUrl: config.ariUrl,
      ariApp: config.ariApp,
      ariDialTemplate: config.ariDialTemplate,
      publicUrl: config.publicUrl,
      dataDir: config.dataDir,
      orchestrator: roles.orchestrator,
    },
  });
  const messaging = createMessagingFeature({
    db,
    events,
    outbox,
    scheduleWebhook: webhooks.scheduleWebhook,
    ids,
    clock,
    logger,
    validate,
    auth,
    numbers: numbersStore,
    checkCallbackUrl: guardUrl,
    registerIngressProcessor: webhooks.registerIngressProcessor,
    handleConversationSms: (input) => chat.handleInboundSms(input),
    smppUrl: config.smppUrl,
    carriers: roles.worker,
  });
  sendSms = messaging.sendSms;

  const numbersRouter = createNumbersRouter({
    store: numbersStore,
    ids,
    clock,
    auth,
    validate,
    checkCallbackUrl: guardUrl,
    checkFlow: (projectId, flowId) => voice.checkFlow(projectId, flowId),
  });

  const features: Feature[] = [
    { start: () => media.start(), stop: () => media.stop(), readiness: () => media.readiness() },
    {
      routers: [
        createAdminRouter({ accounts, auth, validate }),
        createProjectRouter({ accounts, auth, validate, checkCallbackUrl: guardUrl }),
        numbersRouter,
        createUsageRouter({ store: createUsageStore(db), auth, validate }),
      ],
    },
    webhooks.feature,
    messaging.feature,
    chat.feature,
    voice.feature,
  ];

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

  async function readiness(): Promise<Record<string, boolean>> {
    const checks: Record<string, boolean> = {
      postgres: await db.raw('select 1').then(
        () => true,
        () => false,
      ),
      redis: await redis.ping().then(
        () => true,
        () => false,
      ),
    };
    for (const feature of features) Object.assign(checks, await feature.readiness?.());
    return checks;
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
    services: {
      accounts,
      events,
      outbox,
      ids,
      clock,
      scheduleWebhook: webhooks.scheduleWebhook,
      sendMessage: messaging.sendMessage,
      sandboxSmsc: messaging.sandboxSmsc,
    },

    /** Starts the chosen roles; resolves with the HTTP port when the API runs. */
    async start(port = config.port): Promise<number | null> {
      for (const feature of features) await feature.start?.();
      if (roles.worker) {
        await relay.start();
        runner.start();
      }
      if (!roles.api) return null;
      server = createServer(app);
      server.keepAliveTimeout = 65_000;
      for (const feature of features) feature.onServer?.(server);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, config.host, resolve);
      });
      return (server.address() as AddressInfo).port;
    },

    /** Graceful stop: no new requests or jobs, in-flight jobs finish, then connections close. */
    async stop(): Promise<void> {
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
      redis.disconnect();
      await db.destroy();
    },
  };
}

export type Runtime = ReturnType<typeof createRuntime>;
