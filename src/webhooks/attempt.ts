import type { Clock, IdGenerator } from '../platform/index.js';
import type { AttemptRow, ClaimedDelivery, DeliveryUpdate } from './deliveries.store.js';
import { isParked, type EndpointGuard, type Parked } from './endpoint-guard.js';
import { endpointOf } from './endpoint.js';
import type { AttemptResult, WebhookSender } from './http-sender.js';
import { nextRetryDelayMs } from './retry-schedule.js';
import { webhookHeaders, type WebhookHeaders } from './signing.js';

/**
 * How one try of a delivery ended: `parked` when its endpoint's guard would not let it run
 * (nothing was sent, no attempt counted), else the attempt to log and where it leaves the
 * delivery.
 */
export type AttemptEnd =
  { parked: Parked } | { parked: null; attempt: AttemptRow; update: DeliveryUpdate };

/** Tries a claimed delivery once; `presign` may sign a batch of them beforehand. */
export interface Attempter {
  /** One attempt; `endpoint` is `endpointOf(delivery)`, which a caller may have at hand. */
  (delivery: ClaimedDelivery, endpoint?: string): Promise<AttemptEnd>;
  /**
   * Signs claimed deliveries one after another, ahead of their attempts: an HMAC cost ~5 µs
   * in a run of them and ~14 µs between the other work of an attempt (measured in the
   * dispatcher, 2026-12-07; OpenSSL's code and tables are cold by then). An attempt uses its
   * delivery's signature only when it starts within the whole second it was signed for,
   * else signs afresh, so `webhook-timestamp` is always the attempt's own. Never throws:
   * a delivery it could not sign is signed by its attempt (which reports why).
   */
  presign(deliveries: readonly ClaimedDelivery[]): Promise<void>;
}

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
}): Attempter {
  const random = deps.random ?? Math.random;
  const presigned = new WeakMap<ClaimedDelivery, { timestamp: number; headers: WebhookHeaders }>();

  const sign = (delivery: ClaimedDelivery, timestamp: number, secrets: string[]) =>
    webhookHeaders({ id: delivery.event_id, timestamp, body: delivery.body, secrets });

  async function presign(deliveries: readonly ClaimedDelivery[]): Promise<void> {
    const secretsOf = new Map<string, string[]>();
    try {
      for (const { project_id: id } of deliveries) {
        if (!secretsOf.has(id)) secretsOf.set(id, await deps.signingSecrets(id));
      }
    } catch {
      return;
    }
    const timestamp = Math.floor(deps.clock.now().getTime() / 1000);
    for (const delivery of deliveries) {
      const secrets = secretsOf.get(delivery.project_id)!;
      try {
        if (secrets.length > 0) {
          presigned.set(delivery, { timestamp, headers: sign(delivery, timestamp, secrets) });
        }
      } catch {
        // Left to the attempt, which reports why it cannot sign.
      }
    }
  }

  function nextState(delivery: ClaimedDelivery, result: AttemptResult, number: number, now: Date) {
    if (result.outcome === 'success')
      return { status: 'succeeded' as const, next_attempt_at: null };
    if (number >= delivery.max_attempts) {
      return { status: 'failed' as const, next_attempt_at: null };
    }
    const delay = nextRetryDelayMs(number, deps.retryDelaysSec, random) ?? 60_000;
    return { status: 'pending' as const, next_attempt_at: new Date(now.getTime() + delay) };
  }

  async function attempt(
    delivery: ClaimedDelivery,
    endpoint = endpointOf(delivery),
  ): Promise<AttemptEnd> {
    const started = deps.clock.now();
    const timestamp = Math.floor(started.getTime() / 1000);
    const early = presigned.get(delivery);
    const headers =
      early?.timestamp === timestamp
        ? early.headers
        : sign(delivery, timestamp, await deps.signingSecrets(delivery.project_id));
    const result = await deps.guard.run(
      endpoint,
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
  }

  return Object.assign(attempt, { presign });
}
