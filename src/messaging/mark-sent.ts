import { createGroupCommit, orOneByOne, type Db } from '../platform/index.js';
import type { RecordMessageEvent } from './message-events.js';
import { partsOf } from './message-parts.store.js';
import type { MessagesStore } from './messages.store.js';
import type { ReceiptInput, Receipts } from './receipts.js';
import { statusesBefore } from './status.js';

/** A message whose parts were all submitted, to be marked `sent`. */
export interface Sent {
  id: string;
  connector: string;
  at: Date;
  /** Every part's connector and SMSC id as the submit response gave it. */
  parts: Array<{ connector: string; smscId: string }>;
}

/**
 * Marks messages `sent`, many per transaction: messages whose parts were all submitted while
 * a batch was being written go together (group commit). Each message, locked, settles the
 * receipts that beat it: its `message.sent` event goes with whatever its parts already say.
 * A batch the database refuses is written again one message at a time.
 */
export function createSentMarker(deps: {
  db: Db;
  store: MessagesStore;
  receipts: Receipts;
  recordEvent: RecordMessageEvent;
}) {
  const { db, store } = deps;

  /** One batch in one transaction: the moves, the receipts that beat them, the events. */
  async function markSent(batch: readonly Sent[]): Promise<void> {
    await db.transaction(async (trx) => {
      const updated = await store.markSentMany(
        trx,
        batch.map((b) => ({ id: b.id, connector: b.connector, sent_at: b.at, updated_at: b.at })),
        statusesBefore('sent'),
      );
      if (updated.length === 0) return;
      const ids = updated.map((m) => m.id);
      const parts = await store.partsByMessage(ids, trx);
      // The last look for receipts that missed their part (see submitParts): every part has
      // committed, and the messages are locked, so a kept one is applied here, once.
      // Only for the messages this batch moved: a receipt taken for any other would be lost.
      const moved = new Set(ids);
      const early = await store.takeEarlyReceipts(
        batch
          .filter((b) => moved.has(b.id))
          .flatMap((b) =>
            b.parts.flatMap((p) =>
              deps.receipts.keptKeysOf(
                p.connector,
                deps.receipts.spellingsOf(p.connector, p.smscId),
              ),
            ),
          ),
        trx,
      );
      const applied = updated.map((message) => {
        const own = parts.get(message.id) ?? [];
        const receipts = early.flatMap(({ receipt }) => {
          const input = receipt as ReceiptInput;
          const lookup = deps.receipts.lookupOf(input.connectorId, input.smscId);
          return partsOf(own, lookup).map((part) => ({ input, part }));
        });
        return deps.receipts.applyToMessage(message, own, receipts);
      });
      await deps.recordEvent.forMessages(
        trx,
        updated.map((message, i) => [{ message, type: 'message.sent' }, ...applied[i].entries]),
        deps.receipts.writesOf(applied),
      );
    });
  }

  const batches = createGroupCommit<Sent>(orOneByOne(markSent), { maxBatchSize: 100 });

  return {
    /** Resolves once the message is `sent` (or was already past it). */
    mark: (message: Sent) => batches.write(message),
  };
}
