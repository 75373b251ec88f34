import type { Outbox, OutboxEntry } from '../events/index.js';
import type { Clock, IdGenerator, SqlFragment, Trx } from '../platform/index.js';
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
  projectWebhookUrl(trx: Trx | undefined, projectId: string): Promise<string | null>;
}) {
  type Input = {
    projectId: string;
    event: WebhookEvent;
    urls?: Array<string | null | undefined>;
  };

  /** The delivery row and its outbox entry, or null when the event has nowhere to go. */
  async function plan(trx: Trx | undefined, input: Input, onlyIf?: string) {
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
    const delivery = deps.store.insertSql(
      {
        id,
        project_id: input.projectId,
        event_id: input.event.id,
        event_type: input.event.type,
        url,
        body,
        max_attempts: maxAttemptsOf(deps.retryDelaysSec),
        next_attempt_at: now,
        created_at: now,
      },
      onlyIf,
    );
    const entry: OutboxEntry = {
      projectId: input.projectId,
      queue: WEBHOOK_QUEUE,
      name: DELIVER_JOB,
      payload: { delivery_id: id },
      options: { attempts: 25, backoff: { type: 'exponential', delay: 2000 } },
    };
    return { id, delivery, entry };
  }

  async function scheduleWebhook(trx: Trx, input: Input): Promise<string | null> {
    const planned = await plan(trx, input);
    if (!planned) return null;
    // The delivery, its outbox row and the relay's wake-up: one statement.
    const inserted = await deps.outbox.addIfInserted(trx, planned.delivery, planned.entry);
    return inserted ? planned.id : null;
  }

  /**
   * The same as CTEs for a caller's WITH clause, scheduled only if the caller's CTE `onlyIf`
   * has a row: `<name>_delivery`, then the outbox's (see `Outbox.addIfRowsSql`); the caller's
   * final SELECT must read `<name>`. Null when the event has nowhere to go. A cache miss of
   * the project's URL is read on `options.trx` when the statement will run in one (through
   * the pool while holding a pooled connection could deadlock), else through the pool.
   */
  async function scheduleWebhookSql(
    input: Input,
    options: { onlyIf: string; name: string; trx?: Trx },
  ): Promise<SqlFragment | null> {
    const planned = await plan(options.trx, input, options.onlyIf);
    if (!planned) return null;
    const delivery = `${options.name}_delivery`;
    const added = deps.outbox.addIfRowsSql(delivery, planned.entry, options.name);
    return {
      sql: `${delivery} as (${planned.delivery.sql}), ${added.sql}`,
      bindings: [...planned.delivery.bindings, ...added.bindings],
    };
  }

  return Object.assign(scheduleWebhook, { sql: scheduleWebhookSql });
}

export type ScheduleWebhook = ReturnType<typeof createWebhookScheduler>;
