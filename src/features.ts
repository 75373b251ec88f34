import type { Server } from 'node:http';
import type { Router } from 'express';
import type { Config } from './config.js';
import { createHousekeeping } from './housekeeping.js';
import {
  createAccountsService,
  createAccountsStore,
  createAdminRouter,
  createAuthenticator,
  createProjectRouter,
  type Authenticator,
  type UserTokenVerifier,
} from './accounts/index.js';
import type { EventStore, Outbox } from './events/index.js';
import {
  createIdempotency,
  createRateLimit,
  type Clock,
  type Db,
  type IdGenerator,
  type InvalidationBus,
  type JobHandler,
  type LeanRoute,
  type Logger,
  type Redis,
  type Validate,
} from './platform/index.js';
import { createChatFeature, type SendConversationSms } from './chat/index.js';
import { createMessagingFeature } from './messaging/index.js';
import { createCachedNumbers, createNumbersRouter, createNumbersStore } from './numbers/index.js';
import { createUsageRouter, createUsageStore } from './usage/index.js';
import { createVoiceFeature } from './voice/index.js';
import { createMediaStorage } from './media/index.js';
import { checkCallbackUrl, createWebhooksFeature, type ScheduleWebhook } from './webhooks/index.js';

/** Which parts of Trunkline this process runs (`trunkline start` runs them all). */
export interface Roles {
  api: boolean;
  worker: boolean;
  orchestrator: boolean;
}

/** What a feature contributes to the process. */
export interface Feature {
  routers?: Router[];
  /** Routes served ahead of Express (see `platform/http/lean-routes.ts`). */
  leanRoutes?: LeanRoute[];
  handlers?: JobHandler[];
  start?(): Promise<void>;
  stop?(): Promise<void>;
  readiness?(): Promise<Record<string, boolean>>;
  /** Called once the HTTP server exists (WebSocket upgrades). */
  onServer?(server: Server): void;
  /** Called when shutdown begins, before the HTTP server closes (say goodbye to sockets). */
  beforeServerClose?(): void;
}

/**
 * What every product feature is given: storage, the event log and outbox, webhooks, time,
 * ids, request validation and the route guards. Feature deps interfaces extend it.
 */
export interface SharedDeps {
  db: Db;
  events: EventStore;
  outbox: Outbox;
  scheduleWebhook: ScheduleWebhook;
  ids: IdGenerator;
  clock: Clock;
  logger: Logger;
  validate: Validate;
  auth: Authenticator;
}

/** The connections and services every feature is built from (made by the runtime). */
export interface FeatureContext {
  config: Config;
  roles: Roles;
  logger: Logger;
  clock: Clock;
  ids: IdGenerator;
  db: Db;
  redis: Redis;
  /** An auto-pipelined connection for commands on the request path (not for BullMQ). */
  edgeRedis: Redis;
  /** Drops cached state in every process when it changes. */
  bus: InvalidationBus;
  events: EventStore;
  outbox: Outbox;
  validate: Validate;
}

/**
 * Builds every feature and wires them to each other, in dependency order: accounts and auth,
 * webhooks, media, chat, voice, messaging, numbers, usage. Features that call each other in
 * both directions (messaging ⇄ chat, voice → messaging) are joined by late-bound functions.
 */
export function createFeatures(ctx: FeatureContext) {
  const { config, roles, logger, clock, ids, db, redis, edgeRedis, events, outbox, validate, bus } =
    ctx;
  const accounts = createAccountsService({
    db,
    store: createAccountsStore(db),
    ids,
    clock,
    bus,
  });
  const guardUrl = (url: string, path?: string) =>
    checkCallbackUrl(url, { allowPrivate: config.webhookAllowPrivate, path });
  let verifyUserToken: UserTokenVerifier = async () => null;
  const idempotency = createIdempotency({ db, clock });
  const auth = createAuthenticator({
    accounts,
    adminToken: config.adminToken,
    verifyUserToken: (token) => verifyUserToken(token),
    after: [
      createRateLimit({
        redis: edgeRedis,
        prefix: config.redisPrefix,
        defaultPerSecond: config.rateLimitPerSecond,
      }),
      idempotency,
    ],
    afterAdmin: [idempotency],
  });

  const webhooks = createWebhooksFeature({
    db,
    databaseUrl: config.databaseUrl,
    dispatch: roles.worker,
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
    concurrencyPerEndpoint: config.webhookConcurrencyPerEndpoint,
    signingSecrets: (projectId) => accounts.signingSecrets(projectId),
    projectWebhookUrl: (trx, projectId) => accounts.projectWebhookUrl(trx, projectId),
  });

  // Messaging is created after chat and voice (it calls into chat for inbound SMS); they
  // reach it through this late-bound function.
  let sendSms: SendConversationSms = async () => {
    throw new Error('messaging is not wired');
  };
  const media = createMediaStorage({ ...config.s3, dataDir: config.dataDir }, { logger });
  /** What every feature gets: storage, the event log, webhooks, time, ids and the HTTP guards. */
  const shared: SharedDeps = {
    db,
    events,
    outbox,
    scheduleWebhook: webhooks.scheduleWebhook,
    ids,
    clock,
    logger,
    validate,
    auth,
  };
  const numbersStore = createCachedNumbers(createNumbersStore(db), bus);
  const chat = createChatFeature({
    ...shared,
    ownsNumber: async (projectId, number, via) =>
      (await numbersStore.findOwned(projectId, number, via)) !== undefined,
    redis,
    redisUrl: config.redisUrl,
    redisPrefix: config.redisPrefix,
    blobs: media.blobs,
    sendSms: (input) => sendSms(input),
  });
  verifyUserToken = chat.verifyUserToken;

  const voice = createVoiceFeature({
    ...shared,
    blobs: media.blobs,
    findNumber: (number) => numbersStore.findByNumber(number),
    sendSms: (input) => sendSms(input),
    config: {
      ariUrl: config.ariUrl,
      ariApp: config.ariApp,
      ariDialTemplate: config.ariDialTemplate,
      publicUrl: config.publicUrl,
      dataDir: config.dataDir,
      ttsCacheMaxBytes: config.ttsCacheMaxBytes,
      orchestrator: roles.orchestrator,
      webhookAllowPrivate: config.webhookAllowPrivate,
    },
  });
  const messaging = createMessagingFeature({
    ...shared,
    numbers: numbersStore,
    checkCallbackUrl: guardUrl,
    registerIngressProcessor: webhooks.registerIngressProcessor,
    queueConversationSms: (trx, input) => chat.queueInboundSms(trx, input),
    smppUrl: config.smppUrl,
    receiptCrossBaseWaitMs: config.receiptCrossBaseWaitMs,
    carriers: roles.worker,
    databaseUrl: config.databaseUrl,
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
    ...(roles.worker
      ? [
          createHousekeeping({
            db,
            clock,
            logger,
            webhookLogDays: config.webhookLogRetentionDays,
          }),
        ]
      : []),
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

  return {
    features,
    services: {
      accounts,
      scheduleWebhook: webhooks.scheduleWebhook,
      sendMessage: messaging.sendMessage,
      sandboxSmsc: messaging.sandboxSmsc,
      flushIncompleteSms: messaging.flushIncompleteSms,
      sandboxPbx: voice.sandboxPbx,
    },
  };
}
