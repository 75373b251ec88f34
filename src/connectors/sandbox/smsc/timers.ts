/** Every timer the simulator sets, so `stop()` can cancel them all and leave nothing behind. */
export interface TimerSet {
  after(ms: number, run: () => void): void;
  /** Resolves after `ms`; rejects when the set is cleared first. */
  sleep(ms: number): Promise<void>;
  clearAll(reason: Error): void;
}

export function createTimerSet(): TimerSet {
  const timers = new Map<NodeJS.Timeout, ((reason: Error) => void) | undefined>();

  function after(ms: number, run: () => void, onClear?: (reason: Error) => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.set(timer, onClear);
  }

  return {
    after: (ms, run) => after(ms, run),
    sleep: (ms) => new Promise((resolve, reject) => after(ms, resolve, reject)),
    clearAll(reason) {
      const entries = [...timers.entries()];
      timers.clear();
      for (const [timer, onClear] of entries) {
        clearTimeout(timer);
        onClear?.(reason);
      }
    },
  };
}
