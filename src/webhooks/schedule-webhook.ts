import type { Outbox } from '../events/index.js';
import type { Clock, IdGenerator, Trx } from '../platform/index.js';
import type { DeliveriesStore } from './deliveries.store.js';
import { maxAttemptsOf } from './retry-schedule.js';

/** The customer-visible part of an event, as it is POSTed (API.md "Webhooks to your app"). */
export interface WebhookEvent {
  id: string;
  type: string;
  createdAt: Date;
  data: Record<string, unknown>;
}

export const WEBHOOK_QUEUE = 'webhooks';
export const DELIVER_JOB = 'webhook.deliver';

/**
 * Turns an event into a delivery, in the caller's transaction: the delivery row (with the exact
 * body every attempt sends) and the outbox row that gets it sent. The URL is the resource's
 * callback, else the number's, else the project's `webhook_url`; with none, nothing is sent.
 */
export function createWebhookScheduler(deps: {
  store: DeliveriesStore;
  outbox: Outbox;
  ids: IdGenerator;
  clock: Clock;
  retryDelaysSec: readonly number[];
  /** The project's `webhook_url`, the last fallback. */
  projectWebhookUrl(trx: Trx, projectId: string): Promise<string | null>;
}) {
  return async function scheduleWebhook(
    trx: Trx,
    input: { projectId: string; event: WebhookEvent; urls?: Array<string | null | undefined> },
  ): Promise<string | null> {
    const url =
      (input.urls ?? []).find((u): u is string => typeof u === 'string' && u.length > 0) ??
      (await deps.projectWebhookUrl(trx, input.projectId));
    if (!url) return null;
    const now = deps.clock.now();
    const id = deps.ids('whd');
    const body = JSON.stringify({
      id: input.event.id,
      type: input.event.type,
      created_at: input.event.createdAt.toISOString(),
      data: input.event.data,
    });
    const delivery = deps.store.insertSql({
      id,
      project_id: input.projectId,
      event_id: input.event.id,
      event_type: input.event.type,
      url,
      body,
      max_attempts: maxAttemptsOf(deps.retryDelaysSec),
      next_attempt_at: now,
      created_at: now,
    });
    // The delivery, its outbox row and the relay's wake-up: one statement.
    const inserted = await deps.outbox.addIfInserted(trx, delivery, {
      projectId: input.projectId,
      queue: WEBHOOK_QUEUE,
      name: DELIVER_JOB,
      payload: { delivery_id: id },
      options: { attempts: 25, backoff: { type: 'exponential', delay: 2000 } },
    });
    if (!inserted) return null;
    return id;
  };
}

export type ScheduleWebhook = ReturnType<typeof createWebhookScheduler>;
