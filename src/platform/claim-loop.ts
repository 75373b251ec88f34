import type { Clock } from './clock.js';
import type { Listener } from './listen.js';
import type { Logger } from './logger.js';

/** How long after a retry is due its alarm rings (a timer may fire a little early). */
const ALARM_MARGIN_MS = 10;

export interface ClaimLoopOptions<T> {
  /** Claims up to `want` due rows (a statement that moves their lease). */
  claim(want: number): Promise<T[]>;
  /** Takes a claimed row; called even after `stop` began (for a claim that was in flight). */
  admit(row: T): void;
  /** Rows claimed and not finished yet. */
  held(): number;
  /** Rows held at most. */
  capacity: number;
  /** Rows claimed per statement at most; default `capacity`. */
  claimBatch?: number;
  /** Opens the LISTEN that wakes the loop. */
  listen(onNotify: () => void): Promise<Listener>;
  /** Period of the sweep for due rows nobody announced; default 1 s. */
  pollMs?: number;
  clock: Clock;
  logger: Logger;
  /** What is claimed, for the log (`webhook deliveries`, `messages to send`). */
  what: string;
}

/** What a dispatcher built on a claim loop hands it straight from its own options. */
export type ClaimLoopWiring = Pick<
  ClaimLoopOptions<unknown>,
  'listen' | 'pollMs' | 'clock' | 'logger'
>;

/** A dispatcher working straight from Postgres rows, as its feature starts and stops it. */
export interface RowDispatcher {
  start(): Promise<void>;
  /** Claims no more and waits for the work in flight. */
  stop(): Promise<void>;
  /** Look for due rows now. */
  wake(): void;
}

export interface ClaimLoop {
  start(): Promise<void>;
  /** Claims no more: stops the timers and the LISTEN, and waits for a claim in flight. */
  stop(): Promise<void>;
  /** Look for due rows now (a claim already running looks again when it is done). */
  wake(): void;
  /** Look again at `at` (epoch ms, a retry the caller stored), unless an alarm rings sooner. */
  wakeAt(at: number): void;
  /** A row finished: claim more if the last claim was full and half the capacity is free. */
  finished(): void;
  stopped(): boolean;
}

/**
 * The claiming half of a dispatcher that works straight from Postgres rows (webhook deliveries,
 * outbound messages): claims only while at most half the capacity is held, so each claim is a
 * batch worth a statement (not a few rows whenever one finishes); woken by NOTIFY, by its own
 * alarm at the earliest retry the caller stored, by rows finishing while more may be due, and
 * by a periodic sweep.
 */
export function createClaimLoop<T>(options: ClaimLoopOptions<T>): ClaimLoop {
  const { capacity, clock, logger } = options;
  const claimBatch = options.claimBatch ?? capacity;
  let mayHaveMore = false;
  let claiming: Promise<void> | null = null;
  let again = false;
  let stopped = true;
  let listener: Listener | null = null;
  let poll: NodeJS.Timeout | null = null;
  let alarm: { at: number; timer: NodeJS.Timeout } | null = null;

  async function claimWhileRoom(): Promise<void> {
    do {
      again = false;
      while (!stopped && options.held() <= capacity / 2) {
        const want = Math.min(claimBatch, capacity - options.held());
        const rows = await options.claim(want);
        mayHaveMore = rows.length === want;
        for (const row of rows) options.admit(row);
        if (!mayHaveMore) break;
      }
    } while (again && !stopped);
  }

  function wake(): void {
    if (stopped) return;
    if (claiming) {
      again = true;
      return;
    }
    claiming = claimWhileRoom()
      .catch((err: unknown) => logger.error({ err }, `claiming ${options.what} failed`))
      .finally(() => {
        claiming = null;
      });
  }

  function wakeAt(at: number): void {
    const ringAt = at + ALARM_MARGIN_MS;
    if (stopped || (alarm && alarm.at <= ringAt)) return;
    if (alarm) clearTimeout(alarm.timer);
    const timer = setTimeout(
      () => {
        alarm = null;
        wake();
      },
      Math.max(0, ringAt - clock.now().getTime()),
    );
    timer.unref();
    alarm = { at: ringAt, timer };
  }

  return {
    async start() {
      stopped = false;
      listener = await options.listen(wake);
      poll = setInterval(wake, options.pollMs ?? 1000);
      poll.unref();
      wake();
    },
    async stop() {
      stopped = true;
      if (poll) clearInterval(poll);
      if (alarm) clearTimeout(alarm.timer);
      poll = null;
      alarm = null;
      await listener?.stop();
      listener = null;
      await claiming;
    },
    wake,
    wakeAt,
    finished() {
      if (mayHaveMore && options.held() <= capacity / 2) wake();
    },
    stopped: () => stopped,
  };
}
