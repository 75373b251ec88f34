import DataLoader from 'dataloader';

/**
 * Group commit: `write(item)` resolves once `flush` has stored the item. Items written while
 * no flush runs go out together at the end of the current turn of the event loop; items
 * written while a flush runs wait for it and then go out together, so under load one
 * statement carries many items and at most one flush is in flight. Built on DataLoader (its
 * batch is held open until the schedule function lets it go). A failed flush rejects every
 * item of its batch.
 */
export function createGroupCommit<T>(
  flush: (batch: readonly T[]) => Promise<void | ReadonlyArray<Error | null>>,
  options: { maxBatchSize?: number } = {},
): { write(item: T): Promise<void>; idle(): Promise<void> } {
  const inFlight = new Set<Promise<unknown>>();
  const settled = () => Promise.all(inFlight);
  const loader = new DataLoader<T, void>(
    async (batch) => {
      const flushing = flush(batch);
      const done = flushing.catch(() => undefined);
      inFlight.add(done);
      let answers: void | ReadonlyArray<Error | null>;
      try {
        answers = await flushing;
      } finally {
        inFlight.delete(done);
      }
      return batch.map((_, i) => (answers ? (answers[i] ?? undefined) : undefined));
    },
    {
      cache: false,
      maxBatchSize: options.maxBatchSize ?? 500,
      batchScheduleFn: (dispatch) => {
        if (inFlight.size > 0) void settled().then(() => setImmediate(dispatch));
        else setImmediate(dispatch);
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
