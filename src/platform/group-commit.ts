import DataLoader from 'dataloader';

/**
 * Group commit: `write(item)` resolves once `flush` has handled the item. Items written while
 * no flush runs go out together at the end of the current turn of the event loop; items
 * written while a flush runs wait for it and then go out together, so under load one
 * statement carries many items and at most one flush is in flight. Built on DataLoader (its
 * batch is held open until the schedule function lets it go).
 *
 * With `lingerMs`, a batch stays open that long after its first item before it goes (or waits
 * for the flush in flight, whichever is later): under a steady stream one statement then
 * carries about `lingerMs` worth of items instead of one round trip's worth, for writes
 * whose delay nobody waits on.
 *
 * A flush that throws rejects every item of its batch. A flush may instead answer each item,
 * in batch order: a value resolves that item's `write` with it, an Error rejects that item
 * alone.
 */
export function createGroupCommit<T, R = void>(
  flush: (batch: readonly T[]) => Promise<void | ReadonlyArray<R | Error>>,
  options: { maxBatchSize?: number; lingerMs?: number } = {},
): { write(item: T): Promise<R>; idle(): Promise<void> } {
  const inFlight = new Set<Promise<unknown>>();
  const linger = options.lingerMs ?? 0;
  const settled = () => Promise.all(inFlight);
  const loader = new DataLoader<T, R>(
    async (batch) => {
      const flushing = flush(batch);
      const done = flushing.catch(() => undefined);
      inFlight.add(done);
      let answers: void | ReadonlyArray<R | Error>;
      try {
        answers = await flushing;
      } finally {
        inFlight.delete(done);
      }
      return batch.map((_, i) => (answers ? answers[i] : (undefined as R)));
    },
    {
      cache: false,
      maxBatchSize: options.maxBatchSize ?? 500,
      batchScheduleFn: (dispatch) => {
        const afterFlushes = () => {
          if (inFlight.size > 0) void settled().then(() => setImmediate(dispatch));
          else setImmediate(dispatch);
        };
        if (linger > 0) setTimeout(afterFlushes, linger);
        else afterFlushes();
      },
    },
  );
  return {
    write: (item) => loader.load(item),
    /** Resolves when no flush is running (pending items may still be waiting for their turn). */
    async idle() {
      while (inFlight.size > 0) await settled();
    },
  };
}

/**
 * A flush for `createGroupCommit` that writes the whole batch with `write` and, when the
 * database refuses it, each item alone, so only the items at fault fail. `write` may answer
 * each item of its batch (in order), as a flush may.
 */
export function orOneByOne<T, R = void>(
  write: (batch: readonly T[]) => Promise<void | ReadonlyArray<R>>,
): (batch: readonly T[]) => Promise<void | ReadonlyArray<R | Error>> {
  return async (batch) => {
    try {
      return await write(batch);
    } catch (err) {
      if (batch.length === 1) throw err;
    }
    const answers: Array<R | Error> = [];
    for (const item of batch) {
      answers.push(
        await write([item]).then(
          (answer) => (answer ? answer[0] : (undefined as R)),
          (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
        ),
      );
    }
    return answers;
  };
}
