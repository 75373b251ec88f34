import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Runs `write` until it succeeds, pausing `delays[n]` after the n-th failure; after the last
 * pause, one more failure is thrown, and so is at once a failure `retryIf` (when given) says
 * is not worth another try. `onRetry` hears each failure that is tried again (for a log
 * line). For writes that must not be given up lightly: what they record has already happened
 * elsewhere (a part the SMSC accepted, a call that hung up).
 */
export async function retryWrite<T>(
  write: () => Promise<T>,
  delays: readonly number[],
  onRetry: (err: unknown, attempt: number) => void,
  retryIf: (err: unknown) => boolean = () => true,
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= delays.length || !retryIf(err)) throw err;
      onRetry(err, attempt + 1);
      await sleep(delays[attempt]);
    }
  }
}
