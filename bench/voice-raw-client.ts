import { setTimeout as sleep } from 'node:timers/promises';
import { createAriMediaControl } from '../src/connectors/index.js';
import { createLogger } from '../src/platform/index.js';
import { percentile, perSecond } from './support/stats.js';

/**
 * The voice ceiling: a bare client on the same PBX simulator, speaking ARI through the same
 * adapter as the orchestrator (`createAriMediaControl`) under a Stasis application of its own,
 * with no database, no queue and no flow. It originates channels with at most `window` of
 * them waiting for their StasisStart, and hangs each one up as soon as it is answered.
 */

const RAW_APP = 'bench-raw';
const ENDPOINT = 'PJSIP/+14155550100@trunk';

export interface RawSetupFigures {
  /** Channels that reached StasisStart. */
  answered: number;
  errors: number;
  /** StasisStart per second, from the first originate to the last StasisStart. */
  setupsPerSec: number;
  /** Originate sent → StasisStart received, in ms. */
  p50: number;
  p99: number;
}

export async function runRawSetups(input: {
  url: string;
  count: number;
  window: number;
  timeoutMs: number;
}): Promise<RawSetupFigures> {
  const media = createAriMediaControl(
    { url: input.url, app: RAW_APP },
    { logger: createLogger('error') },
  );
  try {
    const deadline = Date.now() + 5_000;
    while (!media.ready && Date.now() < deadline) await sleep(10);
    if (!media.ready) throw new Error('the raw ARI client did not connect within 5 s');
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let next = 0;
    let errors = 0;
    let lastAnswer = 0;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const started = performance.now();

    const originateNext = () => {
      if (next >= input.count) return;
      const channelId = `raw-${process.pid}-${next}`;
      next += 1;
      sentAt.set(channelId, performance.now());
      media
        .originate({ channelId, endpoint: ENDPOINT, timeoutSec: 30, appArgs: ['raw'] })
        .catch(() => {
          errors += 1;
          sentAt.delete(channelId);
          settle();
        });
    };
    const settle = () => {
      if (latencies.length + errors >= input.count) finish();
      else originateNext();
    };
    media.onEvent((event) => {
      if (event.type !== 'stasis_start') return;
      const at = sentAt.get(event.channelId);
      if (at === undefined) return;
      sentAt.delete(event.channelId);
      lastAnswer = performance.now();
      latencies.push(lastAnswer - at);
      media.hangup(event.channelId).catch(() => undefined);
      settle();
    });
    for (let i = 0; i < input.window; i += 1) originateNext();
    const timer = setTimeout(finish, input.timeoutMs);
    await done;
    clearTimeout(timer);
    return {
      answered: latencies.length,
      errors,
      setupsPerSec: perSecond(latencies.length, lastAnswer - started),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
  } finally {
    await media.close();
  }
}
