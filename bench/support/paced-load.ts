import { Pool } from 'undici';
import type { LoadResult, LoadSpec } from './load-spec.js';
import { percentile } from './stats.js';

/**
 * An open-loop load at a steady rate: request i is due at start + i / rate, sent when due
 * whatever the earlier ones are doing (over at most `connections` keep-alive connections), and
 * its latency counts from when it was due, so a server that falls behind is charged for the
 * wait (no coordinated omission). This is what "N requests per second" means for a latency
 * target; autocannon's `overallRate` instead lets every connection send its share of each
 * second back to back at the start of that second, and corrects its histogram as if requests
 * were due every millisecond.
 */
export async function runPaced(spec: LoadSpec, seconds: number): Promise<LoadResult> {
  const rate = spec.overallRate!;
  const pool = new Pool(spec.url, { connections: spec.connections, pipelining: 1 });
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const inFlight = new Set<Promise<void>>();

  async function send(dueAt: number): Promise<void> {
    try {
      const res = await pool.request({
        method: spec.method,
        path: spec.path,
        headers: spec.headers,
        body: spec.body,
      });
      await res.body.dump();
      latencies.push(performance.now() - dueAt);
      statusCodes[res.statusCode] = (statusCodes[res.statusCode] ?? 0) + 1;
      if (res.statusCode >= 200 && res.statusCode < 300) ok += 1;
      else non2xx += 1;
    } catch {
      errors += 1;
    }
  }

  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    while (sent < total && start + (sent * 1000) / rate <= now) {
      const request = send(start + (sent * 1000) / rate);
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
      sent += 1;
    }
    const nextDue = start + (sent * 1000) / rate;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextDue - performance.now())));
  }
  await Promise.all(inFlight);
  const durationSec = (performance.now() - start) / 1000;
  await pool.close();
  const at = (p: number) => Math.round((percentile(latencies, p) || 0) * 10) / 10;
  return {
    ok,
    non2xx,
    errors,
    timeouts: 0,
    durationSec,
    okPerSec: ok / durationSec,
    p50: at(50),
    p99: at(99),
    statusCodes,
  };
}
