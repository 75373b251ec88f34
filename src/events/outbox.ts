import type { Clock, IdGenerator, Trx } from '../platform/index.js';

/** The notification channel the relay listens on; sent on commit only. */
export const OUTBOX_CHANNEL = 'trunkline_outbox';

/** BullMQ options carried by an outbox row to its job. */
export interface OutboxJobOptions {
  attempts?: number;
  /** `custom` asks the queue's own backoff strategy; `exponential` uses `delay` as the base. */
  backoff?: { type: 'custom' | 'exponential' | 'fixed'; delay?: number };
}

export interface OutboxEntry {
  projectId: string | null;
  /** Queue name, e.g. `sms`, `webhooks`. */
  queue: string;
  /** Job name, dot-namespaced: `sms.send`, `webhook.deliver`. */
  name: string;
  payload: Record<string, unknown>;
  options?: OutboxJobOptions;
  /** Run no earlier than this (scheduled sends, parked deliveries). */
  runAt?: Date;
}

export type Outbox = ReturnType<typeof createOutbox>;

/**
 * Writes work to do in the caller's transaction. The row id becomes the BullMQ job id, so
 * an entry is enqueued at most once at a time however often the relay retries.
 */
export function createOutbox(deps: { ids: IdGenerator; clock: Clock }) {
  async function add(trx: Trx, entry: OutboxEntry): Promise<string> {
    const id = deps.ids('obx');
    const now = deps.clock.now();
    await trx('outbox').insert({
      id,
      project_id: entry.projectId,
      queue: entry.queue,
      name: entry.name,
      payload: entry.payload,
      options: entry.options ?? {},
      available_at: entry.runAt ?? now,
      created_at: now,
    });
    await trx.raw('select pg_notify(?, ?)', [OUTBOX_CHANNEL, entry.queue]);
    return id;
  }
  return { add };
}
