import { Router } from 'express';
import {
  ConflictError,
  NotFoundError,
  paginate,
  pageOf,
  projectIdOf,
  validQuery,
  type Clock,
  type Validate,
} from '../platform/index.js';
import type { AttemptRow, DeliveriesStore, DeliveryRow } from './deliveries.store.js';

function deliveryView(row: DeliveryRow) {
  return {
    id: row.id,
    event_id: row.event_id,
    event_type: row.event_type,
    url: row.url,
    status: row.status,
    attempt_count: row.attempts,
    max_attempts: row.max_attempts,
    next_attempt_at: row.status === 'pending' ? (row.next_attempt_at?.toISOString() ?? null) : null,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function attemptView(row: AttemptRow) {
  return {
    number: row.number,
    attempted_at: row.attempted_at.toISOString(),
    status_code: row.status_code,
    latency_ms: row.latency_ms,
    error: row.error,
    response_snippet: row.response_snippet,
  };
}

/** The delivery log: list, one delivery with its attempts, and a manual retry. */
export function createDeliveriesRouter(deps: {
  store: DeliveriesStore;
  clock: Clock;
  auth: { project: import('express').RequestHandler[] };
  validate: Validate;
}) {
  const { store, auth, validate } = deps;
  const router = Router();

  async function detail(projectId: string, id: string) {
    const row = await store.findForProject(projectId, id);
    if (!row) throw new NotFoundError('Webhook delivery');
    return { ...deliveryView(row), attempts: (await store.attemptsOf(id)).map(attemptView) };
  }

  router.get(
    '/v1/webhook-deliveries',
    ...auth.project,
    validate('listWebhookDeliveries'),
    async (req, res) => {
      const query = validQuery(res);
      const filters = {
        status: query.status as string | undefined,
        event_type: query.event_type as string | undefined,
      };
      res.json(
        await paginate(store.listQuery(projectIdOf(req.auth), filters), pageOf(query), {
          prefix: 'whd',
          map: deliveryView,
        }),
      );
    },
  );

  router.get(
    '/v1/webhook-deliveries/:id',
    ...auth.project,
    validate('getWebhookDelivery'),
    async (req, res) => {
      res.json(await detail(projectIdOf(req.auth), req.params.id as string));
    },
  );

  router.post(
    '/v1/webhook-deliveries/:id/retry',
    ...auth.project,
    validate('retryWebhookDelivery'),
    async (req, res) => {
      const projectId = projectIdOf(req.auth);
      const id = req.params.id as string;
      if (!(await store.findForProject(projectId, id))) throw new NotFoundError('Webhook delivery');
      if (!(await store.reopen(projectId, id, deps.clock.now()))) {
        throw new ConflictError(
          'The delivery is still pending; it will be retried on schedule.',
          'delivery_pending',
        );
      }
      res.status(202).json(await detail(projectId, id));
    },
  );

  return router;
}
