import {
  createClaimLoop,
  createGroupCommit,
  orOneByOne,
  type ClaimLoopWiring,
  type RowDispatcher,
} from '../platform/index.js';
import type { AttemptEnd, Attempter } from './attempt.js';
import type { DeliveriesStore, ClaimedDelivery } from './deliveries.store.js';
import type { EndpointGuard } from './endpoint-guard.js';
import { endpointOf } from './endpoint.js';
import { expectedAttemptMs } from './lane-pace.js';

/**
 * What a dispatcher offers the scheduler in its own process: deliveries inserted already
 * claimed by it (`next_attempt_at` a lease ahead) and handed over once their transaction has
 * committed, so they need no claim and wake no dispatcher. A delivery never handed over (the
 * process died, the transaction rolled back) is due again when its lease runs out, like any
 * claimed delivery.
 */
export interface LocalHandOff {
  /** How far ahead an adopted delivery's `next_attempt_at` must be (the claims' lease). */
  leaseMs: number;
  /** Whether the dispatcher runs and has room for more deliveries now. */
  accepting(): boolean;
  /** Takes committed deliveries inserted with a lease as if it had claimed them. */
  adopt(rows: readonly ClaimedDelivery[]): void;
}

/**
 * Sends webhook deliveries straight from Postgres. The `webhook_deliveries` row is the work
 * to do: a pending row is due at its `next_attempt_at`. A dispatcher claims due rows in
 * batches (`FOR UPDATE SKIP LOCKED`, so several processes share the work) and moves each
 * claimed row's `next_attempt_at` a lease ahead: if the process dies, the row is due again
 * when the lease runs out, and a Redis wipe touches nothing. Claimed deliveries wait in
 * memory in one lane per endpoint, which runs at most `maxConcurrentPerEndpoint` at once;
 * attempts are logged, and unattempted deliveries handed back, by group commit.
 *
 * Why not a BullMQ job per delivery (the first design): a job cost several Redis round trips
 * and a Postgres read on top of the row that already held the delivery's whole state,
 * which capped deliveries at ~500/s on 2 cores (bench/RESULTS.md).
 *
 * Woken by NOTIFY (a new or re-opened delivery), by its own timer at the earliest retry it
 * wrote, by a lane emptying while more may be due, and by a periodic sweep. `stop` claims no
 * more, hands back what has not started and waits for the attempts in flight.
 */
export interface DispatcherOptions extends ClaimLoopWiring {
  store: DeliveriesStore;
  attempt: Attempter;
  guard: EndpointGuard;
  /** Attempts in flight at once per endpoint (the guard's `maxConcurrent`). */
  maxConcurrentPerEndpoint: number;
  /** Deliveries claimed and not yet finished, at most; default 500. */
  capacity?: number;
  /** Rows claimed per statement, at most; default 200. */
  claimBatch?: number;
  /** How far a claim moves `next_attempt_at`; default 60 s (> maxWaitMs + the 10 s timeout). */
  leaseMs?: number;
  /**
   * A claimed delivery that has not started within this long is handed back, due now, so no
   * attempt can start after its lease could have run out; default 10 s.
   */
  maxWaitMs?: number;
  /**
   * How long finished attempts gather before they are logged in one statement; default 40 ms.
   * The attempt has happened by then: only its line in the log (and a retry's alarm) waits.
   * At 4–6k deliveries/s, 40 ms gather ~200 attempts a statement instead of ~20, which cut
   * the dispatcher's CPU per delivery by ~6–12% (2026-12-07, 25 passes of each, one process).
   * If the process dies meanwhile, those deliveries are due again when their lease runs out.
   */
  logLingerMs?: number;
}

interface Lane {
  waiting: Array<{ row: ClaimedDelivery; claimedAt: number }>;
  /** Start times (ms) of the attempts in flight. */
  running: number[];
  /** When the last delivery this lane could not take was told to come back (epoch ms). */
  paceAt: number;
  /** Deliveries handed back by pacing that have not come back yet: id → when they are due. */
  paced: Map<string, number>;
  /** When the lane last pulled its paced deliveries forward (epoch ms). */
  pulledAt: number;
  /** A pull put off to PULL_EVERY_MS after the last one. */
  pullTimer: NodeJS.Timeout | null;
  /** A pull is being written. */
  pulling: boolean;
}

const LEAST_HAND_BACK_MS = 1000;
/** How often, at most, a lane with room pulls its paced deliveries forward. */
const PULL_EVERY_MS = 500;

export function createDispatcher(options: DispatcherOptions): RowDispatcher & LocalHandOff {
  const { store, guard, clock, logger } = options;
  const perEndpoint = options.maxConcurrentPerEndpoint;
  const capacity = options.capacity ?? 500;
  const claimBatch = options.claimBatch ?? 200;
  const leaseMs = options.leaseMs ?? 60_000;
  const maxWaitMs = options.maxWaitMs ?? 10_000;
  const lanes = new Map<string, Lane>();
  // A batch the database refuses is written again one item at a time, so only the item at
  // fault stays unlogged (due again when its lease runs out) and the others are not re-sent.
  const attempts = createGroupCommit<Extract<AttemptEnd, { parked: null }>>(
    orOneByOne((batch) => store.recordAttempts(batch)),
    { lingerMs: options.logLingerMs ?? 40 },
  );
  const handBacks = createGroupCommit<{ id: string; at: Date }>(
    orOneByOne((batch) => store.release(batch)),
  );
  /** Writes not yet stored, so `stop` can wait for them. */
  const settling = new Set<Promise<void>>();
  const running = new Set<Promise<void>>();
  let held = 0;
  const loop = createClaimLoop<ClaimedDelivery>({
    claim: async (want) => {
      const now = clock.now();
      const rows = await store.claimDue(now, want, new Date(now.getTime() + leaseMs));
      await options.attempt.presign(rows);
      return rows;
    },
    admit,
    held: () => held,
    capacity,
    claimBatch,
    listen: options.listen,
    pollMs: options.pollMs,
    clock,
    logger,
    what: 'webhook deliveries',
  });

  function settle(write: Promise<void>, what: string, ids: string[]): void {
    const done = write.catch((err: unknown) => {
      // The rows stay claimed until their lease runs out; then they are due again.
      logger.error({ err, delivery_ids: ids }, `webhook ${what} could not be stored`);
    });
    settling.add(done);
    void done.finally(() => settling.delete(done));
  }

  function handBack(row: ClaimedDelivery, at: number): void {
    held -= 1;
    settle(handBacks.write({ id: row.id, at: new Date(at) }), 'hand-back', [row.id]);
  }

  function expectedMs(key: string, lane: Lane): number {
    return expectedAttemptMs(guard.stateOf(key).typicalMs, lane.running, Date.now());
  }

  /** Deliveries the lane may hold so the last of them likely starts within half of maxWaitMs. */
  function laneLimit(key: string, lane: Lane): number {
    return perEndpoint * Math.max(1, Math.floor(maxWaitMs / 2 / expectedMs(key, lane)));
  }

  function admit(row: ClaimedDelivery): void {
    held += 1;
    if (loop.stopped()) return handBack(row, clock.now().getTime());
    const key = endpointOf(row);
    let lane = lanes.get(key);
    if (!lane) {
      lane = {
        waiting: [],
        running: [],
        paceAt: 0,
        paced: new Map(),
        pulledAt: 0,
        pullTimer: null,
        pulling: false,
      };
      lanes.set(key, lane);
    }
    lane.paced.delete(row.id);
    if (lane.waiting.length + lane.running.length >= laneLimit(key, lane)) {
      // Paced: each one comes back a little after the one before, at the lane's rate.
      const now = clock.now().getTime();
      lane.paceAt = Math.max(
        now + LEAST_HAND_BACK_MS,
        lane.paceAt + expectedMs(key, lane) / perEndpoint,
      );
      lane.paced.set(row.id, lane.paceAt);
      return handBack(row, lane.paceAt);
    }
    lane.waiting.push({ row, claimedAt: Date.now() });
    pump(key, lane);
  }

  function pump(key: string, lane: Lane): void {
    while (lane.running.length < perEndpoint && lane.waiting.length > 0) {
      const next = lane.waiting.shift()!;
      if (loop.stopped() || Date.now() - next.claimedAt > maxWaitMs) {
        handBack(next.row, clock.now().getTime());
        continue;
      }
      const startedAt = Date.now();
      lane.running.push(startedAt);
      const run = send(key, lane, next.row).finally(() => {
        lane.running.splice(lane.running.indexOf(startedAt), 1);
        running.delete(run);
        pump(key, lane);
        pullForward(key, lane);
        forgetIfIdle(key, lane);
        loop.finished();
      });
      running.add(run);
    }
  }

  /**
   * A lane with room to spare (fewer attempts in flight than allowed, none waiting) calls back
   * as many of its paced deliveries as it can hold now, at today's pace (`laneLimit`), the
   * earliest first: their times were set from the endpoint's pace when they were handed back,
   * and never revised. After a few hung attempts had inflated that pace, a backlog came back
   * one delivery every ~200 ms for half an hour while the endpoint answered in a millisecond.
   * Only what the lane can take: calling back the whole backlog of a slow endpoint rewrote
   * every row each time, and put it ahead of other endpoints' due deliveries.
   */
  function pullForward(key: string, lane: Lane): void {
    if (lane.paced.size === 0 || lane.pulling || loop.stopped()) return;
    if (lane.running.length >= perEndpoint || lane.waiting.length > 0) return;
    const now = clock.now().getTime();
    if (now - lane.pulledAt < PULL_EVERY_MS) {
      return pullLater(key, lane, lane.pulledAt + PULL_EVERY_MS);
    }
    lane.pulledAt = now;
    for (const [id, at] of lane.paced) if (at <= now) lane.paced.delete(id);
    const room = laneLimit(key, lane) - lane.running.length;
    // In the order they were paced, which is the order of their times.
    const batch = [...lane.paced]
      .slice(0, Math.max(0, room))
      .map(([id, at]) => ({ id, from: new Date(at) }));
    if (batch.length === lane.paced.size) lane.paceAt = 0;
    if (batch.length === 0) return;
    lane.pulling = true;
    const pulled = store
      .pullForward(batch, new Date(now))
      .then((ids) => {
        for (const id of ids) lane.paced.delete(id);
        if (ids.length > 0) loop.wake();
        // The rest were claimed meanwhile, or their hand-backs are not stored yet.
        if (ids.length < batch.length) pullLater(key, lane, Date.now() + PULL_EVERY_MS);
        forgetIfIdle(key, lane);
      })
      .finally(() => (lane.pulling = false));
    settle(pulled, 'pull-forward', batch.map((b) => b.id).slice(0, 20));
  }

  /** Drops a lane that holds nothing (a new one is made for the endpoint's next delivery). */
  function forgetIfIdle(key: string, lane: Lane): void {
    const idle = lane.running.length === 0 && lane.waiting.length === 0 && lane.paced.size === 0;
    if (idle && lanes.get(key) === lane) lanes.delete(key);
  }

  /** Pulls again at `at`, once: the lane may see no other attempt end to call it. */
  function pullLater(key: string, lane: Lane, at: number): void {
    if (lane.pullTimer || loop.stopped()) return;
    lane.pullTimer = setTimeout(
      () => {
        lane.pullTimer = null;
        pullForward(key, lane);
      },
      Math.max(0, at - Date.now()),
    );
    lane.pullTimer.unref();
  }

  async function send(key: string, lane: Lane, row: ClaimedDelivery): Promise<void> {
    let end: AttemptEnd;
    try {
      end = await options.attempt(row, key);
    } catch (err) {
      logger.error({ err, delivery_id: row.id }, 'webhook attempt could not run; handed back');
      return handBack(row, clock.now().getTime() + LEAST_HAND_BACK_MS);
    }
    if (end.parked) {
      const at = clock.now().getTime() + end.parked.retryInMs;
      handBack(row, at);
      // An open breaker parks the whole endpoint: its waiting deliveries go back with this one.
      if (end.parked.reason === 'open') {
        for (const waiting of lane.waiting.splice(0)) handBack(waiting.row, at);
      }
      logger.info(
        { delivery_id: row.id, endpoint: key, reason: end.parked.reason },
        'endpoint parked; delivery postponed',
      );
      return;
    }
    held -= 1;
    const next = end.update.next_attempt_at;
    // The alarm is set once the retry time is stored (before that, a claim would still see the
    // lease); the claim loop rings it a little after that time.
    const logged = attempts.write(end);
    settle(next ? logged.then(() => loop.wakeAt(next.getTime())) : logged, 'attempt', [row.id]);
    logger.info(
      {
        delivery_id: row.id,
        project_id: row.project_id,
        attempt: end.attempt.number,
        status_code: end.attempt.status_code,
        outcome: end.update.status,
      },
      'webhook attempt',
    );
  }

  return {
    leaseMs,
    accepting: () => !loop.stopped() && held < capacity,
    adopt(rows) {
      for (const row of rows) admit(row);
    },
    start: () => loop.start(),
    async stop() {
      await loop.stop();
      const now = clock.now().getTime();
      for (const lane of lanes.values()) {
        for (const waiting of lane.waiting.splice(0)) handBack(waiting.row, now);
        if (lane.pullTimer) clearTimeout(lane.pullTimer);
      }
      await Promise.all(running);
      while (settling.size > 0) await Promise.all(settling);
    },
    wake: () => loop.wake(),
  };
}
