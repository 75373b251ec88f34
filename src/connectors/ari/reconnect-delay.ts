/** How the event WebSocket backs off between connection attempts. */
export interface ReconnectPolicy {
  /** Delay before the first retry. */
  initialDelayMs: number;
  /** Ceiling of the exponential growth; attempts go on forever at this pace. */
  maxDelayMs: number;
  /** Fraction of the delay taken off at random (0 = none, 1 = "full jitter"), so a fleet of
   * orchestrators does not reconnect in lockstep after an Asterisk restart. */
  jitter: number;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = {
  initialDelayMs: 250,
  maxDelayMs: 30_000,
  jitter: 0.5,
};

/**
 * Delay before retry number `attempt` (0-based): `initial * 2^attempt`, capped, minus a random
 * share of up to `jitter`. `random` returns a number in [0, 1).
 */
export function computeReconnectDelay(
  attempt: number,
  policy: ReconnectPolicy,
  random: () => number,
): number {
  const exponent = Math.min(Math.max(attempt, 0), 30);
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
  const jitter = Math.min(Math.max(policy.jitter, 0), 1);
  return Math.round(base * (1 - jitter * random()));
}
