import {
  createClaimLoop,
  createGroupCommit,
  type ClaimLoopWiring,
  type RowDispatcher,
} from '../platform/index.js';
import type { MessageRow } from './messages.store.js';
import type { Release, SendClaimsStore } from './send-claims.store.js';
import type { SendOutcome } from './sender.js';

/** Delay before the next try of a message after its `failures`-th transient failure. */
export const sendBackoffMs = (failures: number) =>
  Math.min(30_000, 250 * 2 ** Math.max(0, failures - 1));

/**
 * Sends outbound messages straight from Postgres. The `messages` row is the work to do: a
 * message is due at its `next_attempt_at` (now when saved, its `send_at` when scheduled, a
 * retry's time after a transient failure). A dispatcher claims due rows in batches
 * (`FOR UPDATE SKIP LOCKED`, so several worker processes share the work) and moves each
 * claimed row's `next_attempt_at` a lease ahead, renewed while the message is being sent: if
 * the process dies, the message is due again when the lease runs out and the next claim
 * resumes it (parts already submitted are not submitted again). Redis plays no part.
 *
 * Why not a BullMQ job per message (the first design): the job and its outbox row carried only
 * the message id, at an outbox INSERT, the relay's read and close, and several Redis round
 * trips per message, on top of the row that already held the message's whole state; the claim
 * also reads the row the job had to read (bench/RESULTS.md).
 *
 * Woken by NOTIFY (a message saved), by its own timer at the earliest retry it wrote, by
 * sends finishing while more may be due, and by a periodic sweep (scheduled messages).
 */
export interface SendDispatcherOptions extends ClaimLoopWiring {
  store: SendClaimsStore;
  send(message: MessageRow): Promise<SendOutcome>;
  /** Messages being sent at once, at most; default 100. */
  capacity?: number;
  /** How far a claim (or its renewal) moves `next_attempt_at`; default 60 s. */
  leaseMs?: number;
  /**
   * True for a failed try that still got somewhere (parts accepted before it failed): its
   * count of failed tries starts again, and the next try comes after the first back-off.
   */
  madeProgress?(err: unknown): boolean;
}

/**
 * One claim of a message: the lease `next_attempt_at` holds, the one a renewal in flight may
 * have written instead, and whether the claim is being ended (no renewal starts then).
 */
interface Claim {
  lease: Date;
  renewing: Date | null;
  ending: boolean;
}

export function createSendDispatcher(options: SendDispatcherOptions): RowDispatcher {
  const { store, clock, logger } = options;
  const capacity = options.capacity ?? 100;
  const leaseMs = options.leaseMs ?? 60_000;
  /**
   * The claims being worked on: message id → the lease `next_attempt_at` holds, the one a
   * renewal in flight may have written instead, and whether the claim is being ended (no
   * renewal starts then). A release matches either lease: ending a claim while its renewal
   * was on its way, or renewing it while its release was, left the message claimed until the
   * renewed lease ran out, and then claimed and tried again.
   */
  const held = new Map<string, Claim>();
  const releases = createGroupCommit((batch: ReadonlyArray<Release>) => store.release(batch));
  const running = new Set<Promise<void>>();
  let renewal: NodeJS.Timeout | null = null;
  const loop = createClaimLoop<{ row: MessageRow; lease: Date }>({
    async claim(want) {
      const now = clock.now();
      const lease = new Date(now.getTime() + leaseMs);
      return (await store.claimDue(now, want, lease)).map((row) => ({ row, lease }));
    },
    admit,
    held: () => held.size,
    capacity,
    listen: options.listen,
    pollMs: options.pollMs,
    clock,
    logger,
    what: 'messages to send',
  });

  /** Ends a claim: due again at `at` (its failed tries counted as `tries` says), or done (null). */
  async function release(
    row: MessageRow,
    claim: Claim,
    at: Date | null,
    tries: Release['tries'],
  ): Promise<void> {
    claim.ending = true;
    const { lease, renewing } = claim;
    try {
      await releases.write({
        id: row.id,
        leases: renewing ? [lease, renewing] : [lease],
        at,
        tries,
      });
      if (at) loop.wakeAt(at.getTime());
    } catch (err) {
      // The claim stays until its lease runs out; then the message is due again.
      logger.error({ err, message_id: row.id }, 'message claim could not be released');
    }
  }

  async function run(row: MessageRow, claim: Claim): Promise<void> {
    try {
      const outcome = await options.send(row);
      // `sent` ended the claim in the same statement; anything else ends it here.
      if (outcome === 'done') await release(row, claim, null, 'keep');
    } catch (err) {
      const progress = options.madeProgress?.(err) ?? false;
      const failures = progress ? 1 : row.send_attempts + 1;
      const at = new Date(clock.now().getTime() + sendBackoffMs(failures));
      logger.info(
        {
          message_id: row.id,
          project_id: row.project_id,
          err: (err as Error).message,
          attempt: failures,
        },
        'message will retry',
      );
      await release(row, claim, at, progress ? 'reset' : 'count');
    } finally {
      // The release made the message due again, and a claim may have taken it before this
      // line ran: that newer claim's entry stays (deleting it crashed the newer run).
      if (held.get(row.id) === claim) held.delete(row.id);
    }
  }

  function admit({ row, lease }: { row: MessageRow; lease: Date }): void {
    const claim: Claim = { lease, renewing: null, ending: false };
    held.set(row.id, claim);
    const done = run(row, claim).finally(() => {
      running.delete(done);
      loop.finished();
    });
    running.add(done);
  }

  /** Moves the leases of claims past a third of their time, so a slow send keeps its claim. */
  async function renewOld(): Promise<void> {
    const now = clock.now().getTime();
    // The claims themselves, not their ids: a message may be claimed again while this
    // renewal is on its way, and the new claim's lease is not this one's to set.
    const old = [...held]
      .filter(([, claim]) => !claim.ending && !claim.renewing)
      .filter(([, claim]) => claim.lease.getTime() - now < (leaseMs * 2) / 3)
      .map(([id, claim]) => ({ id, lease: claim.lease, claim }));
    if (old.length === 0) return;
    const lease = new Date(now + leaseMs);
    for (const { claim } of old) claim.renewing = lease;
    let renewed = new Set<string>();
    try {
      renewed = new Set(
        await store.renewLeases(
          old.map(({ id, lease: held }) => ({ id, lease: held })),
          lease,
        ),
      );
    } finally {
      for (const { id, claim } of old) {
        claim.renewing = null;
        if (renewed.has(id)) claim.lease = lease;
      }
    }
  }

  return {
    async start() {
      await loop.start();
      renewal = setInterval(() => {
        renewOld().catch((err: unknown) => logger.warn({ err }, 'renewing message claims failed'));
      }, leaseMs / 6);
      renewal.unref();
    },
    async stop() {
      if (renewal) clearInterval(renewal);
      renewal = null;
      await loop.stop();
      await Promise.all(running);
    },
    wake: () => loop.wake(),
  };
}
