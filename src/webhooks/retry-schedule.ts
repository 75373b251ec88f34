/**
 * When to try a failed webhook delivery again. Pure: the worker passes in how many
 * attempts were made and a random source, and schedules the next attempt itself.
 */

/**
 * Seconds to wait after attempt 1, 2, ... before the next one: 5 s, 1 min, 5 min, 30 min,
 * 1 h, 3 h, 6 h, 12 h, 24 h. That is 10 attempts in all, the last one 167 765 s (≈ 46.6 h)
 * after the first; even with every delay jittered 20 % short the span stays above 37 h,
 * so API.md's "at least 8 attempts over at least 24 h" holds.
 */
export const DEFAULT_RETRY_DELAYS_SEC: readonly number[] = Object.freeze([
  5, 60, 300, 1800, 3600, 10_800, 21_600, 43_200, 86_400,
]);

/** Each delay is scaled by a factor drawn uniformly from [1 − JITTER, 1 + JITTER). */
export const RETRY_JITTER = 0.2;

const NUMBER = /^\d+(\.\d+)?$/;

/**
 * Parses WEBHOOK_RETRY_DELAYS: positive seconds between attempts, comma-separated
 * (`"5,60,300"`; fractions allowed, e.g. `"0.05,0.1"` in tests). Unset or blank gives the
 * default schedule. Throws an Error naming the variable on anything else, so a bad value
 * stops the process at start.
 */
export function parseRetryDelays(value: string | undefined): number[] {
  if (value === undefined || value.trim() === '') return [...DEFAULT_RETRY_DELAYS_SEC];
  const parts = value.split(',').map((part) => part.trim());
  const delays = parts.map(Number);
  const bad = parts.findIndex((part, index) => !NUMBER.test(part) || !(delays[index] > 0));
  if (bad !== -1) {
    throw new Error(
      `WEBHOOK_RETRY_DELAYS must be positive numbers of seconds separated by commas ` +
        `(e.g. "5,60,300"); entry ${bad + 1} is "${parts[bad]}".`,
    );
  }
  return delays;
}

/**
 * Milliseconds to wait before the next attempt, given `attemptsMade` (≥ 1) attempts so far,
 * or null when the schedule is used up and the delivery should be marked failed. The
 * delay is jittered ±20 % with `random` (returning [0, 1)) so endpoints that failed
 * together do not all get retried in the same instant.
 */
export function nextRetryDelayMs(
  attemptsMade: number,
  delaysSec: readonly number[],
  random: () => number,
): number | null {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) {
    throw new RangeError(`attemptsMade must be a positive integer, got ${attemptsMade}.`);
  }
  const base = delaysSec[attemptsMade - 1];
  if (base === undefined) return null;
  const factor = 1 + (random() * 2 - 1) * RETRY_JITTER;
  return Math.max(1, Math.round(base * 1000 * factor));
}

/** How many attempts a schedule allows in all: the first one plus one per delay. */
export function maxAttemptsOf(delaysSec: readonly number[]): number {
  return delaysSec.length + 1;
}
