import type { Clock, Db } from '../platform/index.js';

/** Closes an outbox row once its job has finished for good; the sweep then leaves it alone. */
export function createOutboxFinisher(deps: { db: Db; clock: Clock }) {
  return async (jobId: string, outcome: 'completed' | 'failed'): Promise<void> => {
    await deps
      .db('outbox')
      .where({ id: jobId })
      .whereNull('completed_at')
      .update({ completed_at: deps.clock.now(), outcome });
  };
}
