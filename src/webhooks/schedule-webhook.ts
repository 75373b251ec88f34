import {
  cte,
  runCtes,
  type Clock,
  type IdGenerator,
  type SqlFragment,
  type Trx,
} from '../platform/index.js';
import {
  DELIVERIES_CHANNEL,
  type ClaimedDelivery,
  type DeliveriesStore,
} from './deliveries.store.js';
import type { LocalHandOff } from './dispatcher.js';
import { maxAttemptsOf } from './retry-schedule.js';

/** The customer-visible part of an event, as it is POSTed (API.md "Webhooks to your app"). */
export interface WebhookEvent {
  id: string;
  type: string;
  createdAt: Date;
  data: Record<string, unknown>;
}

/**
 * A CTE `name` that wakes the dispatchers (on commit) if the CTE `source` has a row and
 * `wake` holds (deliveries handed to this process's dispatcher wake nobody).
 */
function notifySql(source: string, name: string, wake = true): SqlFragment {
  return {
    sql: `${name} as (select pg_notify(?, '') from ${source} where ?::boolean limit 1)`,
    bindings: [DELIVERIES_CHANNEL, wake],
  };
}

/**
 * Deliveries planned for a caller's statement. `adopt` hands those of the given events (all,
 * without an argument) to this process's dispatcher once the caller's transaction has
 * committed; it does nothing when they were planned due now, for any dispatcher to claim.
 */
export interface PlannedDeliveries extends SqlFragment {
  adopt(eventIds?: ReadonlySet<string>): void;
}

/**
 * Turns an event into a delivery, in the caller's transaction: the delivery row (with the exact
 * body every attempt sends), due now, and a notification that wakes the dispatchers when the
 * transaction commits (the row itself is the work to do: no outbox row, no job). The URL is the resource's
 * callback, else the number's, else the project's `webhook_url`; with none, nothing is sent.
 */
export function createWebhookScheduler(deps: {
  store: DeliveriesStore;
  ids: IdGenerator;
  clock: Clock;
  retryDelaysSec: readonly number[];
  /** The project's `webhook_url`, the last fallback. */
  projectWebhookUrl(trx: Trx | undefined, projectId: string): Promise<string | null>;
  /** This process's dispatcher, in the worker role: callers may hand it their deliveries. */
  handOff?: LocalHandOff;
}) {
  type Input = {
    projectId: string;
    event: WebhookEvent;
    urls?: Array<string | null | undefined>;
  };

  /** Where an event goes: the first callback URL given, else the project's; null for nowhere. */
  async function destinationOf(
    trx: Trx | undefined,
    projectId: string,
    urls: Array<string | null | undefined> = [],
  ): Promise<string | null> {
    return (
      urls.find((u): u is string => typeof u === 'string' && u.length > 0) ??
      (await deps.projectWebhookUrl(trx, projectId))
    );
  }

  /**
   * The delivery row of an event, or null when the event has nowhere to go: due now, or with
   * `leaseMs`, already claimed by this process's dispatcher for that long.
   */
  async function rowOf(trx: Trx | undefined, input: Input, leaseMs?: number) {
    const url = await destinationOf(trx, input.projectId, input.urls);
    if (!url) return null;
    const now = deps.clock.now();
    return {
      id: deps.ids('whd'),
      project_id: input.projectId,
      event_id: input.event.id,
      event_type: input.event.type,
      url,
      body: JSON.stringify({
        id: input.event.id,
        type: input.event.type,
        created_at: input.event.createdAt.toISOString(),
        data: input.event.data,
      }),
      max_attempts: maxAttemptsOf(deps.retryDelaysSec),
      next_attempt_at: leaseMs === undefined ? now : new Date(now.getTime() + leaseMs),
      created_at: now,
    };
  }

  /** The delivery row's INSERT, or null when the event has nowhere to go. */
  async function plan(trx: Trx | undefined, input: Input, onlyIf?: string) {
    const row = await rowOf(trx, input);
    if (!row) return null;
    const where = onlyIf ? `exists (select 1 from ${onlyIf})` : undefined;
    return { id: row.id, delivery: deps.store.insertSql([row], where) };
  }

  async function scheduleWebhook(trx: Trx, input: Input): Promise<string | null> {
    const planned = await plan(trx, input);
    if (!planned) return null;
    // The delivery and the dispatchers' wake-up: one statement.
    const counts = await runCtes(
      trx,
      [cte('inserted', planned.delivery), notifySql('inserted', 'notified')],
      ['notified'],
    );
    return counts.notified > 0 ? planned.id : null;
  }

  /**
   * The same as CTEs for a caller's WITH clause, scheduled only if the caller's CTE `onlyIf`
   * has a row: `<name>_delivery` inserts it and `<name>` (a row if it did) wakes the
   * dispatchers; the caller's final SELECT must read `<name>`. Null when the event has nowhere
   * to go. A cache miss of the project's URL is read on `options.trx` when the statement will
   * run in one (through the pool while holding a pooled connection could deadlock), else
   * through the pool.
   */
  async function scheduleWebhookSql(
    input: Input,
    options: { onlyIf: string; name: string; trx?: Trx },
  ): Promise<SqlFragment | null> {
    const planned = await plan(options.trx, input, options.onlyIf);
    if (!planned) return null;
    const delivery = `${options.name}_delivery`;
    const notified = notifySql(delivery, options.name);
    return {
      sql: `${delivery} as (${planned.delivery.sql}), ${notified.sql}`,
      bindings: [...planned.delivery.bindings, ...notified.bindings],
    };
  }

  /**
   * Deliveries of many events as CTEs for a caller's WITH clause, each scheduled only if its
   * event is among the ids the caller's CTE `forEventsOf` returns (the events the statement
   * appended): `<name>_deliveries` inserts them and `<name>` (a row if any was) wakes the
   * dispatchers; the caller's final SELECT must read `<name>`. The text is the same for any
   * number of events, none included, so the statement is planned once per connection.
   *
   * With `handOff`, and a dispatcher in this process with room, the deliveries are inserted
   * claimed by it and wake nobody: the caller must call `adopt` once its statement has
   * committed, with the ids of the events it appended if it appended only some. This spares
   * each delivery the claim (a row version and its four index entries, and the claim's scan)
   * and the other dispatchers a wake-up.
   */
  async function scheduleManySql(
    inputs: readonly Input[],
    options: { forEventsOf: string; name: string; trx?: Trx; handOff?: boolean },
  ): Promise<PlannedDeliveries> {
    const local = options.handOff && deps.handOff?.accepting() ? deps.handOff : undefined;
    const rows = (
      await Promise.all(inputs.map((input) => rowOf(options.trx, input, local?.leaseMs)))
    ).filter((row) => row !== null);
    const deliveries = deps.store.insertSql(
      rows,
      `d.event_id in (select id from ${options.forEventsOf})`,
    );
    const notified = notifySql(`${options.name}_deliveries`, options.name, !local);
    return {
      sql: `${options.name}_deliveries as (${deliveries.sql}), ${notified.sql}`,
      bindings: [...deliveries.bindings, ...notified.bindings],
      adopt(eventIds) {
        if (!local || rows.length === 0) return;
        const adopted = eventIds ? rows.filter((row) => eventIds.has(row.event_id)) : rows;
        local.adopt(adopted.map((row) => claimedOf(row)));
      },
    };
  }

  /** A planned row as the dispatcher holds a claimed one (no attempt made yet). */
  const claimedOf = (row: NonNullable<Awaited<ReturnType<typeof rowOf>>>): ClaimedDelivery => ({
    id: row.id,
    project_id: row.project_id,
    event_id: row.event_id,
    url: row.url,
    body: row.body,
    attempts: 0,
    max_attempts: row.max_attempts,
  });

  /** Whether an event of the project (with these callback URLs) would be sent anywhere. */
  async function hasDestination(
    projectId: string,
    urls: Array<string | null | undefined> = [],
  ): Promise<boolean> {
    return (await destinationOf(undefined, projectId, urls)) !== null;
  }

  return Object.assign(scheduleWebhook, {
    sql: scheduleWebhookSql,
    manySql: scheduleManySql,
    hasDestination,
  });
}

export type ScheduleWebhook = ReturnType<typeof createWebhookScheduler>;
