import type { Clock, IdGenerator } from '../platform/index.js';
import type { AttemptRow, ClaimedDelivery, DeliveryUpdate } from './deliveries.store.js';
import { isParked, type EndpointGuard, type Parked } from './endpoint-guard.js';
import type { AttemptResult, WebhookSender } from './http-sender.js';
import { nextRetryDelayMs } from './retry-schedule.js';
import { webhookHeaders } from './signing.js';

/**
 * How one try of a delivery ended: `parked` when its endpoint's guard would not let it run
 * (nothing was sent, no attempt counted), else the attempt to log and where it leaves the
 * delivery.
 */
export type AttemptEnd =
  { parked: Parked } | { parked: null; attempt: AttemptRow; update: DeliveryUpdate };

/**
 * One signed attempt of a delivery through its endpoint's guard. The body and `webhook-id`
 * (the event id) are the delivery's own, so every attempt sends the same bytes; only the
 * timestamp and signatures are new. Pure decision, no writes: the dispatcher stores the end.
 */
export function createAttempter(deps: {
  sender: WebhookSender;
  guard: EndpointGuard;
  ids: IdGenerator;
  clock: Clock;
  retryDelaysSec: readonly number[];
  signingSecrets(projectId: string): Promise<string[]>;
  random?: () => number;
}) {
  const random = deps.random ?? Math.random;

  function nextState(delivery: ClaimedDelivery, result: AttemptResult, number: number, now: Date) {
    if (result.outcome === 'success')
      return { status: 'succeeded' as const, next_attempt_at: null };
    if (result.outcome === 'gone' || number >= delivery.max_attempts) {
      return { status: 'failed' as const, next_attempt_at: null };
    }
    const delay = nextRetryDelayMs(number, deps.retryDelaysSec, random) ?? 60_000;
    return { status: 'pending' as const, next_attempt_at: new Date(now.getTime() + delay) };
  }

  return async function attempt(delivery: ClaimedDelivery): Promise<AttemptEnd> {
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
    if (isParked(result)) return { parked: result };
    const number = delivery.attempts + 1;
    const now = deps.clock.now();
    return {
      parked: null,
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
      update: { ...nextState(delivery, result, number, now), updated_at: now },
    };
  };
}

export type Attempter = ReturnType<typeof createAttempter>;
