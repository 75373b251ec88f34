import {
  messageIdCandidates,
  normalizeMessageId,
  type ReceiptOutcome,
} from '../connectors/index.js';
import type { Clock, Db, Logger, SqlFragment, Trx } from '../platform/index.js';
import type { MessageEventEntry, RecordMessageEvent } from './message-events.js';
import type { MessageRow, MessagesStore, PartRow } from './messages.store.js';
import { statusFromParts, transition, transitionPart, type PartStatus } from './status.js';

/** A delivery receipt from any source: an SMPP DLR or a provider's ingress webhook. */
export interface ReceiptInput {
  /** The connector that submitted the part; null matches any (ingress by message id alone). */
  connectorId: string | null;
  smscId: string;
  outcome: ReceiptOutcome;
  state: string;
  errorCode: string | null;
}

export type ReceiptResult = 'applied' | 'early' | 'unknown';

/**
 * The one receipt transition (SMPP DLRs and ingress alike). The part moves forward; the message
 * follows its parts once every part is submitted (all delivered → delivered; any undelivered or
 * failed → that). A receipt whose part is not recorded yet (it can beat our own `sent` commit)
 * is kept and applied when the part appears; duplicates and late receipts are recorded as
 * events and change nothing.
 */
export function createReceipts(deps: {
  db: Db;
  store: MessagesStore;
  recordEvent: RecordMessageEvent;
  clock: Clock;
  logger: Logger;
}) {
  const { db, store, clock } = deps;

  /**
   * Moves a sent message to what its parts say, in `trx` (message row locked by the caller):
   * the caller's `writes` (a part's update), the message's update, `before` (events that led
   * here) and the status event, in one statement.
   */
  async function settle(
    trx: Trx,
    message: MessageRow,
    known?: PartRow[],
    before: MessageEventEntry[] = [],
    writes: SqlFragment[] = [],
  ): Promise<void> {
    if (message.status !== 'sent') return deps.recordEvent.many(trx, before, writes);
    const parts = known ?? (await store.parts(message.id, trx));
    const next = transition(
      message.status,
      statusFromParts(
        parts.map((p) => p.status),
        message.segments,
      ),
    );
    if (!next.changed) return deps.recordEvent.many(trx, before, writes);
    const now = clock.now();
    const failing = parts.find((p) => p.status !== 'delivered' && p.status !== 'sent');
    const updated: MessageRow = {
      ...message,
      status: next.status,
      updated_at: now,
      delivered_at: next.status === 'delivered' ? now : message.delivered_at,
      error_code: failing?.error_code
        ? `dlr_${failing.error_code}`
        : next.status === 'delivered'
          ? null
          : message.error_code,
      error_message: failing ? `The carrier reported ${next.status}.` : message.error_message,
    };
    const update = store.updateSql(message.id, {
      status: updated.status,
      updated_at: now,
      delivered_at: updated.delivered_at,
      error_code: updated.error_code,
      error_message: updated.error_message,
    });
    await deps.recordEvent.many(
      trx,
      [...before, { message: updated, type: `message.${next.status}` }],
      [...writes, update],
    );
  }

  /**
   * Applies the receipts kept for a part whose SMSC id has any of these forms (the receipt may
   * spell the id in decimal where the submit response gave hex, or the reverse).
   */
  async function applyEarly(connectorId: string, smscIds: string[]): Promise<void> {
    await applyTaken(await store.takeEarlyReceipts(connectorId, smscIds));
  }

  /** Applies receipts already taken from the early store. */
  async function applyTaken(taken: { receipt: unknown }[]): Promise<void> {
    for (const { receipt } of taken) await apply(receipt as ReceiptInput);
  }

  async function apply(input: ReceiptInput): Promise<ReceiptResult> {
    const candidates = messageIdCandidates(input.smscId);
    const part = await store.findPart(input.connectorId, candidates);
    if (!part) {
      if (input.connectorId === null) return 'unknown';
      await store.saveEarlyReceipt({
        connector_id: input.connectorId,
        smsc_id: normalizeMessageId(input.smscId),
        receipt: input,
        received_at: clock.now(),
      });
      // The sender may have recorded the part between our lookup and the save, and taken the
      // early receipts before ours was there: look again. Taking is a delete, so only one
      // side ever applies a kept receipt.
      if (await store.findPart(input.connectorId, candidates)) {
        await applyEarly(input.connectorId, candidates);
      }
      return 'early';
    }
    await db.transaction(async (trx) => {
      const message = (await store.lock(trx, part.message_id))!;
      const parts = await store.parts(message.id, trx);
      const current = parts.find((p) => p.part === part.part)!;
      const outcome = input.outcome === 'pending' ? 'pending' : (input.outcome as PartStatus);
      const next = transitionPart(current.status, outcome);
      const changed = next !== current.status;
      const writes: SqlFragment[] = [];
      if (changed) {
        const patch = { status: next, error_code: input.errorCode, updated_at: clock.now() };
        writes.push(store.updatePartSql(message.id, part.part, patch));
        Object.assign(current, patch);
      }
      const receipt: MessageEventEntry = {
        message,
        type: 'message.receipt',
        extra: {
          receipt: {
            part: part.part,
            state: input.state,
            error_code: input.errorCode,
            changed,
          },
        },
      };
      // The part's update, the message's and the events: one statement.
      await settle(trx, message, parts, [receipt], writes);
    });
    return 'applied';
  }

  return {
    apply,
    settle,
    applyEarly,
    applyTaken,
  };
}

export type Receipts = ReturnType<typeof createReceipts>;

/** The outcome a provider's ingress `status` word means (case-insensitive). */
export function outcomeOfStatusWord(status: string | undefined): ReceiptOutcome {
  switch ((status ?? '').toLowerCase()) {
    case 'delivered':
    case 'delivrd':
      return 'delivered';
    case 'undelivered':
    case 'undeliv':
    case 'expired':
    case 'deleted':
      return 'undelivered';
    case 'failed':
    case 'rejected':
    case 'rejectd':
    case 'unknown':
      return 'failed';
    default:
      return 'pending';
  }
}
