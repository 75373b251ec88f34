import DataLoader from 'dataloader';
import type { Clock, Db } from '../platform/index.js';

interface Finished {
  jobId: string;
  outcome: 'completed' | 'failed';
}

/**
 * Closes an outbox row once its job has finished for good; the sweep then leaves it alone.
 * Jobs that finish in the same turn of the event loop are closed by one UPDATE. A close lost
 * in a crash only means the sweep re-enqueues the job, whose handler then finds its work done.
 */
export function createOutboxFinisher(deps: { db: Db; clock: Clock }) {
  const loader = new DataLoader<Finished, void>(
    async (batch) => {
      await deps.db.raw(
        `update outbox o
            set completed_at = ?, outcome = f.outcome
           from unnest(?::text[], ?::text[]) as f(id, outcome)
          where o.id = f.id and o.completed_at is null`,
        [deps.clock.now(), batch.map((f) => f.jobId), batch.map((f) => f.outcome)],
      );
      return batch.map(() => undefined);
    },
    { cache: false, maxBatchSize: 500 },
  );
  return (jobId: string, outcome: 'completed' | 'failed'): Promise<void> =>
    loader.load({ jobId, outcome });
}
