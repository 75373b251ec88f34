/**
 * Settles like `work`, or rejects with `onLate()` if `work` has not settled after `ms`. The
 * work itself goes on (nothing here can cancel it); only the wait ends.
 */
export function withTimeout<T>(work: PromiseLike<T>, ms: number, onLate: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onLate()), ms);
  });
  return Promise.race([Promise.resolve(work), late]).finally(() => clearTimeout(timer));
}
