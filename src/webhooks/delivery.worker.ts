import DataLoader from 'dataloader';
import type { Clock, IdGenerator, JobContext, JobHandler } from '../platform/index.js';
import type {
  AttemptRow,
  DeliveriesStore,
  DeliveryRow,
  DeliveryUpdate,
} from './deliveries.store.js';
import { isParked, type EndpointGuard } from './endpoint-guard.js';
import type { AttemptResult, WebhookSender } from './http-sender.js';
import { nextRetryDelayMs } from './retry-schedule.js';
import { WEBHOOK_QUEUE } from './schedule-webhook.js';
import { webhookHeaders } from './signing.js';

/**
 * Sends one delivery. The attempt count and next attempt time live in Postgres (not in the
 * BullMQ job), so a re-enqueued job after a Redis wipe carries on the same schedule. Between
 * attempts the job is postponed, never finished, so its outbox row stays open until the
 * delivery has succeeded or failed for good.
 */
export function createDeliveryHandler(deps: {
  store: DeliveriesStore;
  sender: WebhookSender;
  guard: EndpointGuard;
  ids: IdGenerator;
  clock: Clock;
  retryDelaysSec: readonly number[];
  signingSecrets(projectId: string): Promise<string[]>;
  random?: () => number;
  concurrency?: number;
}): JobHandler {
  const random = deps.random ?? Math.random;
  // Jobs that start in the same turn of the event loop read their deliveries in one query.
  const deliveries = new DataLoader<string, DeliveryRow | undefined>(
    async (ids) => {
      const rows = new Map((await deps.store.findMany(ids)).map((row) => [row.id, row]));
      return ids.map((id) => rows.get(id));
    },
    { cache: false, maxBatchSize: 200 },
  );

  // Attempts that finish in the same turn of the event loop are logged by one statement.
  const attempts = new DataLoader<{ attempt: AttemptRow; update: DeliveryUpdate }, void>(
    async (batch) => {
      await deps.store.recordAttempts(batch);
      return batch.map(() => undefined);
    },
    { cache: false, maxBatchSize: 200 },
  );

  function nextState(delivery: DeliveryRow, result: AttemptResult, number: number, now: Date) {
    if (result.outcome === 'success')
      return { status: 'succeeded' as const, next_attempt_at: null };
    if (result.outcome === 'gone' || number >= delivery.max_attempts) {
      return { status: 'failed' as const, next_attempt_at: null };
    }
    const delay = nextRetryDelayMs(number, deps.retryDelaysSec, random) ?? 60_000;
    return { status: 'pending' as const, next_attempt_at: new Date(now.getTime() + delay) };
  }

  async function attempt(job: JobContext, delivery: DeliveryRow): Promise<void> {
    const secrets = await deps.signingSecrets(delivery.project_id);
    const started = deps.clock.now();
    const headers = webhookHeaders({
      id: delivery.event_id,
      timestamp: Math.floor(started.getTime() / 1000),
      body: delivery.body,
      secrets,
    });
    const result = await deps.guard.run(
      delivery.url,
      () => deps.sender.send({ url: delivery.url, headers, body: delivery.body }),
      (r) => r.outcome === 'retry',
    );
    if (isParked(result)) {
      // A busy endpoint is a moment's wait, not news: only an open breaker is written down.
      if (result.reason !== 'busy') {
        await deps.store.setNextAttempt(
          delivery.id,
          new Date(started.getTime() + result.retryInMs),
        );
      }
      job.logger.info(
        { delivery_id: delivery.id, reason: result.reason },
        'endpoint parked; delivery postponed',
      );
      return job.postpone(result.retryInMs);
    }
    const number = delivery.attempts + 1;
    const now = deps.clock.now();
    const next = nextState(delivery, result, number, now);
    await attempts.load({
      attempt: {
        id: deps.ids('wha'),
        delivery_id: delivery.id,
        project_id: delivery.project_id,
        number,
        attempted_at: started,
        status_code: result.statusCode,
        latency_ms: Math.round(result.latencyMs),
        error: result.error,
        response_snippet: result.responseSnippet,
      },
      update: { ...next, updated_at: now },
    });
    job.logger.info(
      {
        delivery_id: delivery.id,
        project_id: delivery.project_id,
        attempt: number,
        status_code: result.statusCode,
        outcome: next.status,
      },
      'webhook attempt',
    );
    if (next.next_attempt_at) return job.postpone(next.next_attempt_at.getTime() - now.getTime());
  }

  return {
    queue: WEBHOOK_QUEUE,
    concurrency: deps.concurrency ?? 50,
    async handle(job) {
      const delivery = await deliveries.load(String(job.data.delivery_id));
      if (!delivery || delivery.status !== 'pending') return;
      const wait = (delivery.next_attempt_at?.getTime() ?? 0) - deps.clock.now().getTime();
      if (wait > 50) return job.postpone(wait);
      await attempt(job, delivery);
    },
  };
}
