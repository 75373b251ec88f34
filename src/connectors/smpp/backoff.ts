import type { ReconnectPolicy } from './smpp-url.js';

/**
 * Delay before reconnect attempt `attempt` (1 = the first retry): `initialMs · 2^(attempt-1)`
 * capped at `maxMs`, then "equal jitter" (a random point in the upper half) so many binds
 * dropped together by one SMSC restart do not all knock again at the same instant.
 */
export function computeBackoffDelay(
  attempt: number,
  policy: ReconnectPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
