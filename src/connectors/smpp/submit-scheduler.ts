import type { Clock } from '../../platform/index.js';

/**
 * Paces submits on one bind: at most `window` tasks running at once (a running task is a
 * `submit_sm` awaiting its response), the rest waiting in FIFO order; and, when `throughput`
 * is above 0, task starts spaced at least `1000 / throughput` ms apart, so a burst never makes
 * the SMSC answer ESME_RTHROTTLED. A task's slot frees when its promise settles either way.
 */
export interface SubmitScheduler {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Rejects every task not yet started (running ones finish on their own). */
  failWaiting(error: Error): void;
  running(): number;
  waiting(): number;
  /** Stops the pacing timer; waiting tasks stay queued until `failWaiting`. */
  stop(): void;
}

export interface SubmitSchedulerOptions {
  window: number;
  /** Starts per second; 0 = no cap. */
  throughput: number;
  clock: Clock;
}

interface Waiting {
  task: () => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export function createSubmitScheduler(options: SubmitSchedulerOptions): SubmitScheduler {
  const spacingMs = options.throughput > 0 ? 1000 / options.throughput : 0;
  const queue: Waiting[] = [];
  let active = 0;
  let nextStartAt = 0;
  let timer: NodeJS.Timeout | undefined;

  function pump(): void {
    while (queue.length > 0 && active < options.window) {
      if (spacingMs > 0) {
        const now = options.clock.now().getTime();
        if (now < nextStartAt) {
          timer ??= setTimeout(() => {
            timer = undefined;
            pump();
          }, nextStartAt - now);
          return;
        }
        nextStartAt = Math.max(now, nextStartAt) + spacingMs;
      }
      const item = queue.shift() as Waiting;
      active += 1;
      new Promise((resolve) => resolve(item.task())).then(item.resolve, item.reject).finally(() => {
        active -= 1;
        pump();
      });
    }
  }

  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ task, resolve: resolve as (value: unknown) => void, reject });
        pump();
      });
    },
    failWaiting(error) {
      for (const item of queue.splice(0)) item.reject(error);
    },
    running: () => active,
    waiting: () => queue.length,
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
