/**
 * The contract between `load.ts` (in the benchmark process) and `load-generator.ts` (a child
 * process running autocannon): the load generator gets its own process, so on a small machine
 * it does not share the event loop of the server it measures.
 */

/** How each request differs from the previous one. */
export type RequestVariation =
  /** Every request is the same. */
  | { kind: 'none' }
  /** A fresh `Idempotency-Key` header per request. */
  | { kind: 'idempotency-key' }
  /** A Standard Webhooks–signed provider event with a unique `provider_event_id`. */
  | { kind: 'signed-ingress'; secret: string };

export interface LoadSpec {
  /** Base URL on 127.0.0.1, e.g. `http://127.0.0.1:41234`. */
  url: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  /** Length of the measured phase. */
  seconds: number;
  /** Length of an unmeasured warm-up run just before (JIT, connection pools); 0 for none. */
  warmupSeconds: number;
  /** Requests per second across all connections; unset = as fast as the server answers. */
  overallRate?: number;
  /**
   * With `overallRate`: send at a steady rate, open loop, latency from each request's due
   * time (`paced-load.ts`), instead of autocannon's per-second bursts.
   */
  paced?: boolean;
  vary: RequestVariation;
}

/** What one measured phase produced. */
export interface LoadResult {
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSec: number;
  /** 2xx responses per second over the phase. */
  okPerSec: number;
  /** Latency percentiles in milliseconds (autocannon's histogram, 1 ms resolution; paced: exact). */
  p50: number;
  p99: number;
  statusCodes: Record<string, number>;
}
