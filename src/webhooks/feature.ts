import type { RequestHandler } from 'express';
import type { Outbox } from '../events/index.js';
import type { Clock, Db, IdGenerator, Logger, Trx, Validate } from '../platform/index.js';
import { createConnectorsRouter } from './connectors.routes.js';
import { createConnectorsStore } from './connectors.store.js';
import { createDeliveriesRouter } from './deliveries.routes.js';
import { createDeliveriesStore } from './deliveries.store.js';
import { createDeliveryHandler } from './delivery.worker.js';
import { createEndpointGuard } from './endpoint-guard.js';
import { createWebhookSender } from './http-sender.js';
import { createIngressRouter } from './ingress.routes.js';
import { createIngressWriter } from './ingress-writer.js';
import { createIngressHandler } from './ingress.worker.js';
import { parseRetryDelays } from './retry-schedule.js';
import { createWebhookScheduler } from './schedule-webhook.js';

export interface WebhooksDeps {
  db: Db;
  outbox: Outbox;
  ids: IdGenerator;
  clock: Clock;
  logger: Logger;
  validate: Validate;
  auth: { project: RequestHandler[]; admin: RequestHandler };
  allowPrivate: boolean;
  retryDelays: string | null;
  breaker: { failureThreshold: number; openForMs: number };
  signingSecrets(projectId: string): Promise<string[]>;
  /** Read on `trx` on a cache miss when given (see the pool deadlock in bench/RESULTS.md). */
  projectWebhookUrl(trx: Trx | undefined, projectId: string): Promise<string | null>;
}

/**
 * Signed delivery of events to customer apps and verified ingress from providers: the
 * scheduler other features call in their transactions, the two job handlers, and the routes.
 */
export function createWebhooksFeature(deps: WebhooksDeps) {
  const retryDelaysSec = parseRetryDelays(deps.retryDelays ?? undefined);
  const deliveries = createDeliveriesStore(deps.db);
  const connectors = createConnectorsStore(deps.db);
  const sender = createWebhookSender({ allowPrivate: deps.allowPrivate, logger: deps.logger });
  // Per endpoint: 10 attempts in flight and 10 waiting in memory, so one endpoint holds at
  // most 20 of the worker's 50 slots; beyond that its deliveries are parked (paced).
  const guard = createEndpointGuard({ maxConcurrent: 10, maxQueued: 10, ...deps.breaker });
  const ingress = createIngressHandler({ store: connectors, clock: deps.clock });
  const scheduleWebhook = createWebhookScheduler({
    store: deliveries,
    outbox: deps.outbox,
    ids: deps.ids,
    clock: deps.clock,
    retryDelaysSec,
    projectWebhookUrl: deps.projectWebhookUrl,
  });

  return {
    scheduleWebhook,
    registerIngressProcessor: ingress.register,
    feature: {
      routers: [
        createDeliveriesRouter({
          db: deps.db,
          store: deliveries,
          outbox: deps.outbox,
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
        createIngressRouter({
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
      handlers: [
        createDeliveryHandler({
          store: deliveries,
          sender,
          guard,
          ids: deps.ids,
          clock: deps.clock,
          retryDelaysSec,
          signingSecrets: deps.signingSecrets,
        }),
        ingress.handler,
      ],
      stop: () => sender.close(),
    },
  };
}
