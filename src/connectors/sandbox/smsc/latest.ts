/**
 * The latest `keep` items pushed, oldest first. The sandbox SMSC runs for days under
 * `npm start`, so what it logs for tests and benchmarks is bounded. Trimmed only once it holds
 * twice as many, so a push costs the same whatever the size (a trim per push moved the whole
 * array each time).
 */
export function createLatest<T>(keep: number) {
  const items: T[] = [];
  return {
    push(item: T): void {
      items.push(item);
      if (items.length >= 2 * keep) items.splice(0, items.length - keep);
    },
    /** The latest `keep` items (a copy once trimmed lazily). */
    list(): readonly T[] {
      return items.length > keep ? items.slice(-keep) : items;
    },
  };
}
