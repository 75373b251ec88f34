import type { RequestHandler } from 'express';
import type { Outbox } from '../events/index.js';
import {
  listenFor,
  type Clock,
  type Db,
  type IdGenerator,
  type Logger,
  type Trx,
  type Validate,
} from '../platform/index.js';
import { createAttempter } from './attempt.js';
import { createConnectorsRouter } from './connectors.routes.js';
import { createConnectorsStore } from './connectors.store.js';
import { createDeliveriesRouter } from './deliveries.routes.js';
import { createDeliveriesStore, DELIVERIES_CHANNEL } from './deliveries.store.js';
import { createDispatcher } from './dispatcher.js';
import { createEndpointGuard } from './endpoint-guard.js';
import { createWebhookSender } from './http-sender.js';
import { createIngressRoute } from './ingress.routes.js';
import { createIngressWriter } from './ingress-writer.js';
import { createIngressHandler } from './ingress.worker.js';
import { parseRetryDelays } from './retry-schedule.js';
import { createWebhookScheduler } from './schedule-webhook.js';

export interface WebhooksDeps {
  db: Db;
  /** For the dispatcher's LISTEN connection. */
  databaseUrl: string;
  /** Whether this process sends deliveries (the worker role). */
  dispatch: boolean;
  outbox: Outbox;
  ids: IdGenerator;
  clock: Clock;
  logger: Logger;
  validate: Validate;
  auth: { project: RequestHandler[]; admin: RequestHandler[] };
  allowPrivate: boolean;
  retryDelays: string | null;
  breaker: { failureThreshold: number; openForMs: number };
  /** Attempts in flight at once per endpoint (per worker process); default 10. */
  concurrencyPerEndpoint?: number;
  signingSecrets(projectId: string): Promise<string[]>;
  /** Read on `trx` on a cache miss when given (see the pool deadlock in bench/RESULTS.md). */
  projectWebhookUrl(trx: Trx | undefined, projectId: string): Promise<string | null>;
}

/** Attempts in flight at once per endpoint, unless configured (WEBHOOK_CONCURRENCY_PER_ENDPOINT). */
const PER_ENDPOINT = 10;

/**
 * Signed delivery of events to customer apps and verified ingress from providers: the
 * scheduler other features call in their transactions, the delivery dispatcher (worker role),
 * the ingress job handler, and the routes.
 */
export function createWebhooksFeature(deps: WebhooksDeps) {
  const retryDelaysSec = parseRetryDelays(deps.retryDelays ?? undefined);
  const deliveries = createDeliveriesStore(deps.db);
  const connectors = createConnectorsStore(deps.db);
  const sender = createWebhookSender({ allowPrivate: deps.allowPrivate, logger: deps.logger });
  // The dispatcher keeps each endpoint's waiting deliveries itself and never runs more than
  // perEndpoint at once, so the guard's bulkhead only caps, and its breaker parks.
  const perEndpoint = deps.concurrencyPerEndpoint ?? PER_ENDPOINT;
  const guard = createEndpointGuard({ maxConcurrent: perEndpoint, ...deps.breaker });
  const dispatcher = createDispatcher({
    store: deliveries,
    attempt: createAttempter({
      sender,
      guard,
      ids: deps.ids,
      clock: deps.clock,
      retryDelaysSec,
      signingSecrets: deps.signingSecrets,
    }),
    guard,
    clock: deps.clock,
    logger: deps.logger,
    listen: (onNotify) =>
      listenFor({
        databaseUrl: deps.databaseUrl,
        channel: DELIVERIES_CHANNEL,
        logger: deps.logger,
        onNotify,
      }),
    maxConcurrentPerEndpoint: perEndpoint,
  });
  const ingress = createIngressHandler({ store: connectors, clock: deps.clock });
  const scheduleWebhook = createWebhookScheduler({
    store: deliveries,
    ids: deps.ids,
    clock: deps.clock,
    retryDelaysSec,
    projectWebhookUrl: deps.projectWebhookUrl,
    handOff: deps.dispatch ? dispatcher : undefined,
  });

  return {
    scheduleWebhook,
    registerIngressProcessor: ingress.register,
    feature: {
      routers: [
        createDeliveriesRouter({
          store: deliveries,
          clock: deps.clock,
          auth: deps.auth,
          validate: deps.validate,
        }),
        createConnectorsRouter({
          store: connectors,
          ids: deps.ids,
          clock: deps.clock,
          adminGuard: deps.auth.admin,
          validate: deps.validate,
        }),
      ],
      leanRoutes: [
        createIngressRoute({
          store: connectors,
          writer: createIngressWriter({
            db: deps.db,
            store: connectors,
            outbox: deps.outbox,
            clock: deps.clock,
          }),
          clock: deps.clock,
          logger: deps.logger,
          validate: deps.validate,
        }),
      ],
      handlers: [ingress.handler],
      start: async () => {
        if (deps.dispatch) await dispatcher.start();
      },
      stop: async () => {
        await dispatcher.stop();
        await sender.close();
      },
    },
  };
}
