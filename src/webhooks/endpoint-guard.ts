import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  bulkhead,
  circuitBreaker,
  handleAll,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
} from 'cockatiel';

/**
 * Isolation between webhook endpoints (named by the caller: see `endpointOf`), so one slow or
 * dead receiver cannot hold up deliveries to healthy ones. Each endpoint gets its own
 * cockatiel bulkhead (a cap on attempts in flight) and consecutive-failure circuit breaker. Work that may not
 * run now is not queued here: `run` answers `{ parked: true, retryInMs }` at once and the
 * caller re-schedules it without counting an attempt. Timing uses the wall clock
 * (`Date.now()`), because that is what cockatiel's breaker reads.
 */

/** Why a task was not run. */
export type ParkReason = 'open' | 'half-open' | 'busy';

/** The answer when the endpoint may not be called now; the task was not invoked. */
export interface Parked {
  parked: true;
  retryInMs: number;
  reason: ParkReason;
}

export interface EndpointGuardOptions {
  /** Most attempts in flight at once for one endpoint. */
  maxConcurrent: number;
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker parks work before letting one probe through. */
  openForMs: number;
  /** Attempts that may wait in memory for a slot before further ones are parked; default 0. */
  maxQueued?: number;
  /**
   * `retryInMs` when parked because a probe is running, and the least when parked because the
   * endpoint is busy; default 1000. Busy parks are paced: each one returns a little later than
   * the one before (the endpoint's mean attempt time / maxConcurrent), so a backlog comes back
   * at the rate the endpoint takes it instead of all at once and parking again.
   */
  busyRetryMs?: number;
  /** Endpoints remembered at most; the least recently used idle ones are forgotten first. */
  maxEndpoints?: number;
}

/** A snapshot of one endpoint's guard, for logs, metrics and tests. */
export interface EndpointState {
  breaker: 'closed' | 'open' | 'half-open';
  inFlight: number;
  consecutiveFailures: number;
  /**
   * The endpoint's typical attempt duration, ms: the median of its last 20 (a guess before
   * the first one).
   */
  typicalMs: number;
}

export interface EndpointGuard {
  /**
   * Runs `task` for `endpoint` (any string naming one) unless the endpoint's breaker is open,
   * a probe is already running, or `maxConcurrent` attempts are in flight; then it resolves
   * to `Parked` without calling `task`. A result for which `isFailure` is true, or a thrown
   * error, counts towards opening the breaker; the error is re-thrown.
   */
  run<T>(
    endpoint: string,
    task: () => Promise<T>,
    isFailure: (result: T) => boolean,
  ): Promise<T | Parked>;
  stateOf(endpoint: string): EndpointState;
  /** How many endpoints are currently remembered. */
  size(): number;
}

interface Entry {
  bulkhead: BulkheadPolicy;
  breaker: CircuitBreakerPolicy;
  counter: ConsecutiveBreaker;
  openedAt: number;
  /** When the last busy-parked attempt was told to come back (epoch ms). */
  paceAt: number;
  /** The last attempt durations (ms), at most RECENT of them, oldest first. */
  recent: number[];
  /** Their median, ms. */
  typicalMs: number;
}

const INITIAL_TYPICAL_MS = 20;
const RECENT = 20;

/**
 * Records an attempt's duration. The median of the last 20, not a moving mean: a mean that a
 * few 10 s timeouts had pushed to seconds paced a backlog at that rate long after the
 * endpoint answered in a millisecond again (it took ~70 fast answers to come back down).
 */
function recordDuration(entry: Entry, ms: number): void {
  entry.recent.push(ms);
  if (entry.recent.length > RECENT) entry.recent.shift();
  const sorted = [...entry.recent].sort((a, b) => a - b);
  entry.typicalMs = sorted[Math.floor(sorted.length / 2)];
}

interface Outcome<T> {
  value: T;
  failed: boolean;
}

const DEFAULT_BUSY_RETRY_MS = 1000;
const DEFAULT_MAX_ENDPOINTS = 10_000;

/** Narrows a guard result: true when the task was not run. */
export function isParked<T>(result: T | Parked): result is Parked {
  return typeof result === 'object' && result !== null && (result as Parked).parked === true;
}

function describeState(entry: Entry | undefined): EndpointState['breaker'] {
  if (!entry || entry.breaker.state === CircuitState.Closed) return 'closed';
  return entry.breaker.state === CircuitState.HalfOpen ? 'half-open' : 'open';
}

function createEntry(options: EndpointGuardOptions): Entry {
  const counter = new ConsecutiveBreaker(options.failureThreshold);
  const policy = handleAll.orWhenResult((result) => (result as Outcome<unknown>).failed);
  const breaker = circuitBreaker(policy, { halfOpenAfter: options.openForMs, breaker: counter });
  const entry: Entry = {
    bulkhead: bulkhead(options.maxConcurrent, options.maxQueued ?? 0),
    breaker,
    counter,
    openedAt: 0,
    paceAt: 0,
    recent: [],
    typicalMs: INITIAL_TYPICAL_MS,
  };
  breaker.onBreak(() => {
    entry.openedAt = Date.now();
  });
  return entry;
}

/** Whether `entry` must park work right now: open and not yet due, or probing. */
function parkedNow(entry: Entry, openForMs: number, busyRetryMs: number): Parked | null {
  if (entry.breaker.state === CircuitState.HalfOpen) {
    return { parked: true, retryInMs: busyRetryMs, reason: 'half-open' };
  }
  if (entry.breaker.state !== CircuitState.Open) return null;
  const remaining = entry.openedAt + openForMs - Date.now();
  return remaining > 0 ? { parked: true, retryInMs: remaining, reason: 'open' } : null;
}

async function runThrough<T>(
  entry: Entry,
  task: () => Promise<T>,
  isFailure: (result: T) => boolean,
  timing: { openForMs: number; busyRetryMs: number; maxConcurrent: number },
): Promise<T | Parked> {
  const early = parkedNow(entry, timing.openForMs, timing.busyRetryMs);
  if (early) return early;
  try {
    const outcome = await entry.bulkhead.execute(() =>
      entry.breaker.execute(async (): Promise<Outcome<T>> => {
        const started = performance.now();
        const value = await task();
        recordDuration(entry, performance.now() - started);
        return { value, failed: isFailure(value) };
      }),
    );
    return outcome.value;
  } catch (error) {
    if (error instanceof BulkheadRejectedError) {
      const now = Date.now();
      entry.paceAt = Math.max(
        now + timing.busyRetryMs,
        entry.paceAt + entry.typicalMs / timing.maxConcurrent,
      );
      return { parked: true, retryInMs: Math.round(entry.paceAt - now), reason: 'busy' };
    }
    if (error instanceof BrokenCircuitError) {
      const parked = parkedNow(entry, timing.openForMs, timing.busyRetryMs);
      return parked ?? { parked: true, retryInMs: timing.busyRetryMs, reason: 'open' };
    }
    throw error;
  }
}

/** Per-endpoint bulkhead + circuit breaker; see `EndpointGuard`. */
export function createEndpointGuard(options: EndpointGuardOptions): EndpointGuard {
  const timing = {
    openForMs: options.openForMs,
    busyRetryMs: options.busyRetryMs ?? DEFAULT_BUSY_RETRY_MS,
    maxConcurrent: options.maxConcurrent,
  };
  const maxEndpoints = options.maxEndpoints ?? DEFAULT_MAX_ENDPOINTS;
  const entries = new Map<string, Entry>();

  function forgetIdle() {
    for (const [key, entry] of entries) {
      if (entries.size <= maxEndpoints) return;
      if (
        entry.bulkhead.executionSlots === options.maxConcurrent &&
        entry.bulkhead.queueSlots === (options.maxQueued ?? 0)
      )
        entries.delete(key);
    }
  }

  /** The key `touch` saw last: already the most recent, it need not move. */
  let lastKey: string | null = null;

  function touch(key: string): Entry {
    if (key === lastKey) {
      const entry = entries.get(key);
      if (entry) return entry;
    }
    lastKey = key;
    const entry = entries.get(key) ?? createEntry(options);
    entries.delete(key);
    entries.set(key, entry);
    if (entries.size > maxEndpoints) forgetIdle();
    return entry;
  }

  return {
    run: (endpoint, task, isFailure) => runThrough(touch(endpoint), task, isFailure, timing),
    stateOf(endpoint) {
      const entry = entries.get(endpoint);
      return {
        breaker: describeState(entry),
        inFlight: entry ? options.maxConcurrent - entry.bulkhead.executionSlots : 0,
        consecutiveFailures: entry ? entry.counter.state : 0,
        typicalMs: entry ? entry.typicalMs : INITIAL_TYPICAL_MS,
      };
    },
    size: () => entries.size,
  };
}
