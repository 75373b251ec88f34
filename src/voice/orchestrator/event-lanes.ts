/**
 * Ordered work per key, keys in parallel: work for a key starts once every earlier piece of
 * work for that key has settled, whatever other keys are doing. A barrier waits for every lane
 * and holds back everything queued after it (a reconnect's reconciliation). A failure is
 * handed to `onError` and never stops the lane.
 */
export function createEventLanes(onError: (err: unknown) => void) {
  /** The last piece of work queued per key; a key's entry goes once its lane is idle. */
  const tails = new Map<string, Promise<void>>();
  let gate: Promise<void> = Promise.resolve();

  function settle(work: Promise<void>): Promise<void> {
    return work.catch(onError);
  }

  return {
    run(key: string, work: () => Promise<void>): void {
      const tail = settle((tails.get(key) ?? gate).then(work));
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
    },
    barrier(work: () => Promise<void>): void {
      const before = Promise.all([gate, ...tails.values()]);
      tails.clear();
      gate = settle(before.then(work));
    },
    /** Keys with work queued or running. */
    get busy(): number {
      return tails.size;
    },
  };
}

export type EventLanes = ReturnType<typeof createEventLanes>;
