import { batchKeys, claimDueSql, runClaim, type Db } from '../platform/index.js';
import { optedOutSql, type MessageRow } from './messages.store.js';

/**
 * A claimed message: its row, and whether its recipient has opted out of its sender since it
 * was accepted (consent is checked when a message is saved, and again at every claim: a STOP
 * that arrives while a message waits for its scheduled time or a retry must hold). Never for
 * a `consent_exempt` message (an automatic answer to STOP must still go).
 */
export type ClaimedMessage = MessageRow & { recipient_opted_out: boolean };

/**
 * The send dispatcher's claim of due messages (`claimDueSql`, run by `runClaim`). Exported for
 * the plan test.
 */
export const CLAIM_MESSAGES_SQL = claimDueSql('messages', {
  returning: `t.*, not t.consent_exempt and ${optedOutSql('t')} as recipient_opted_out`,
});

/**
 * The end of one claim: the leases it may hold (the claim's, and a renewal's that may have
 * been written meanwhile), when it is due again (null: nothing more to send), and what
 * becomes of its count of failed tries: one more (`count`), back to one (`reset`: the try got
 * parts accepted before it failed, and counts as the first), or as it was (`keep`).
 */
export interface Release {
  id: string;
  leases: Date[];
  at: Date | null;
  tries: 'count' | 'reset' | 'keep';
}

/**
 * The send dispatcher's claims on messages: a message is due to be sent at its
 * `next_attempt_at`; a claim moves that a lease ahead while the message is being sent, and
 * ends by setting it to the next try's time or to null (nothing more to send).
 */
export function createSendClaimsStore(db: Db) {
  return {
    /**
     * Claims up to `limit` messages due to be sent, oldest due first, skipping those another
     * dispatcher holds: each claim moves `next_attempt_at` to `leaseUntil`, so the claims of a
     * process that dies come due again then. The claimed rows.
     */
    async claimDue(now: Date, limit: number, leaseUntil: Date): Promise<ClaimedMessage[]> {
      return runClaim<ClaimedMessage>(db, CLAIM_MESSAGES_SQL, { now, limit, leaseUntil });
    },
    /**
     * Moves the leases of messages still being sent to `leaseUntil`, each only while it still
     * holds the lease its claim gave (`lease`); the ids renewed.
     */
    async renewLeases(
      held: ReadonlyArray<{ id: string; lease: Date }>,
      leaseUntil: Date,
    ): Promise<string[]> {
      const { rows } = await db.raw<{ rows: Array<{ id: string }> }>(
        `update messages m set next_attempt_at = ?
           from jsonb_to_recordset(?::jsonb) as r(id text, lease timestamptz)
          where m.id = r.id and m.next_attempt_at = r.lease and ${batchKeys('m.id')}
         returning m.id`,
        [leaseUntil, JSON.stringify(held), held.map((h) => h.id)],
      );
      return rows.map((r) => r.id);
    },
    /**
     * Ends claims, each only while the message still holds one of the claim's `leases`: it is
     * due again at `at` with its failed tries counted as `tries` says, or (`at` null) needs
     * no more sending. One statement for the batch.
     */
    async release(batch: ReadonlyArray<Release>): Promise<void> {
      await db.raw(
        `update messages m
            set next_attempt_at = r.at,
                send_attempts = case r.tries when 'count' then m.send_attempts + 1
                                             when 'reset' then 1
                                             else m.send_attempts end
           from jsonb_to_recordset(?::jsonb) as r(
                  id text, leases timestamptz[], at timestamptz, tries text)
          where m.id = r.id and m.next_attempt_at = any(r.leases) and ${batchKeys('m.id')}`,
        [JSON.stringify(batch), batch.map((b) => b.id)],
      );
    },
  };
}

export type SendClaimsStore = ReturnType<typeof createSendClaimsStore>;
