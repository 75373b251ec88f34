/** Small numeric helpers shared by the suites: percentiles, rates and a bounded wait. */

/** The `p`-th percentile (0–100) of `values` by nearest rank; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Events per second for `count` events over `ms` milliseconds (0 when no time passed). */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : 0;
}

/**
 * Polls `check` every `stepMs` until it returns true or `timeoutMs` passes; resolves with
 * whether it succeeded, so a suite can report a partial figure instead of hanging.
 */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  stepMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

const startedAt = Date.now();

/** One progress line on stderr (`[  42.1 s] message`), so a long suite shows what it waits for. */
export function progress(message: string): void {
  process.stderr.write(
    `[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${message}\n`,
  );
}
