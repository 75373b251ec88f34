import { retryWrite, type Logger } from '../../platform/index.js';

/**
 * Pauses between attempts of a call's final write (about two minutes in all). The call has
 * hung up on the PBX; only this write tells the API, the timeline and the webhooks.
 */
export const FINAL_WRITE_DELAYS_MS = [100, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000];

/**
 * Runs `write` until it succeeds, pausing `delays` between attempts: a database that blips
 * as a call ends must not leave the call `in-progress` until the next reconnect. Resolves true
 * once written; false after the last attempt (then the next orchestrator start or ARI
 * reconnect closes the call, its channel being gone).
 */
export async function writeUntilDone(
  write: () => Promise<unknown>,
  context: { logger: Logger; callId: string; delays?: readonly number[] },
): Promise<boolean> {
  const delays = context.delays ?? FINAL_WRITE_DELAYS_MS;
  try {
    await retryWrite(write, delays, (err, attempt) =>
      context.logger.warn(
        { err, call_id: context.callId, attempt },
        'writing the end of the call failed; retrying',
      ),
    );
    return true;
  } catch (err) {
    context.logger.error(
      { err, call_id: context.callId, attempts: delays.length + 1 },
      'the end of the call could not be written; the next reconciliation closes it',
    );
    return false;
  }
}
