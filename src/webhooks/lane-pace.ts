const HANGING_AFTER_MS = 1000;

/**
 * How long a lane's next attempt is likely to take, for pacing what it holds: the endpoint's
 * typical duration, or, when every attempt in flight has run past a second (an endpoint that started
 * hanging), the age of the oldest. One slow answer among fast ones no longer counts: taking
 * its age paced a backlog at ~300 ms a delivery for as long as one 3 s answer was in flight,
 * and the paced times were never revised once the endpoint was healthy again.
 */
export function expectedAttemptMs(typicalMs: number, runningSince: readonly number[], now: number) {
  if (runningSince.length === 0) return Math.max(typicalMs, 1);
  const youngest = now - Math.max(...runningSince);
  const oldest = now - Math.min(...runningSince);
  return Math.max(typicalMs, youngest > HANGING_AFTER_MS ? oldest : 0, 1);
}
