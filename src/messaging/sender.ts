import { normalizeMessageId, type SmsGateway } from '../connectors/index.js';
import { isStreamConflict } from '../events/index.js';
import {
  createGroupCommit,
  orOneByOne,
  isAppError,
  retryWrite,
  type Clock,
  type Db,
  type Logger,
} from '../platform/index.js';
import { encodeMessage } from './encoding/index.js';
import type { RecordMessageEvent } from './message-events.js';
import type { PartRow } from './message-parts.store.js';
import type { MessageRow, MessagesStore } from './messages.store.js';
import type { Receipts } from './receipts.js';
import { createSentMarker } from './mark-sent.js';
import { statusesBefore, transition, type MessageStatus } from './status.js';

/** Picks the SMPP bind for a destination (route table with fail-over). */
export interface CarrierPicker {
  pick(destination: string): SmsGateway;
}

/** How a claimed message's sending ended: `sent` also ended its claim; `done` did not. */
export type SendOutcome = 'sent' | 'done';

/**
 * A try's transient failure that came after at least one of its parts was accepted: the
 * carrier is taking the message, part by part (an SMSC that throttles each part of a long
 * message once or twice). Counted like any failure, the back-off grew with every part: a
 * 5-part message to a throttling SMSC took two minutes to be sent. A wrapper of its own (one
 * error object may fail every submit waiting for a bind: marking it marked them all).
 */
export class FailedAfterProgress extends Error {
  constructor(readonly failure: unknown) {
    super(failure instanceof Error ? failure.message : String(failure));
    this.name = 'FailedAfterProgress';
  }
}

/** True for a failure that came after some of the try's parts were accepted. */
export const madeProgress = (err: unknown): boolean => err instanceof FailedAfterProgress;

/** A part the SMSC accepted, to record, with the spellings of its SMSC id to take receipts by. */
type SubmittedPart = {
  row: PartRow & { updated_at: Date };
  smscIds: string[];
  /** The binds of the part's SMSC account, where its receipts may come. */
  binds: readonly string[];
};

/** Pauses between attempts to record a part the SMSC accepted (about 30 s in all). */
const RECORD_PART_DELAYS_MS = [50, 200, 500, 1000, 2000, 5000, 10_000, 10_000];

/**
 * Sends one message the send dispatcher claimed: submits each part, one `submit_sm` per
 * segment with its UDH. A part already recorded is never submitted again, so a retry after a
 * crash resumes where it stopped (a crash between the SMSC's ack and our insert can duplicate
 * one part: SMPP is at-least-once). Transient failures (throttling, no bind, timeouts) throw,
 * and the dispatcher retries with capped back-off until the message's validity ends;
 * permanent ones fail the message with the SMPP error code.
 */
export function createSender(deps: {
  db: Db;
  store: MessagesStore;
  carriers: CarrierPicker;
  receipts: Receipts;
  recordEvent: RecordMessageEvent;
  clock: Clock;
  logger: Logger;
}) {
  const { db, store, clock } = deps;

  /** Parts submitted together, recorded (taking their early receipts) by one statement. */
  const recordingPart = createGroupCommit<SubmittedPart, Array<{ receipt: unknown }>>(
    // One by one if the batch is refused: two parts an SMSC gave one id failed the whole
    // batch, and every message in it was submitted again.
    orOneByOne((parts) => store.insertPartsTakingEarly(parts)),
    { maxBatchSize: 200 },
  );

  const sent = createSentMarker(deps);

  /**
   * Moves the message to `status` (`sending`, `failed`) when the status machine allows it,
   * and answers the status it holds afterwards (another, when it had moved on meanwhile: a
   * scheduled message canceled after the claim read it). Written from the row the claim read
   * (`known`) in one statement (UPDATE, event, webhook) that applies only while the row still
   * matches it; else in a transaction that locks first. `sent` goes through
   * `createSentMarker`.
   */
  async function move(
    known: MessageRow,
    status: MessageStatus,
    patch: Partial<MessageRow> = {},
  ): Promise<MessageStatus> {
    const change = { ...patch, status, updated_at: clock.now() };
    if (transition(known.status, status).changed) {
      if (await moving.write({ known, change })) return status;
    }
    return db.transaction(async (trx) => {
      const updated = await store.updateFrom(trx, known.id, statusesBefore(status), change);
      if (!updated) return (await store.lock(trx, known.id))?.status ?? known.status;
      await deps.recordEvent.many(trx, [{ message: updated, type: `message.${status}` }]);
      return status;
    });
  }

  /**
   * Status moves written from the rows the claims read, one statement for all of them (the
   * UPDATEs, and the event and webhook of each move that applied); whether each applied. A
   * move applies only while the row still holds what the claim read, so the event built from
   * it is the row's. Another append to one of the streams committing meanwhile fails the
   * statement; a move alone then answers false (its caller takes the locked path).
   */
  async function movesInOneStatement(
    moves: ReadonlyArray<{
      known: MessageRow;
      change: Partial<MessageRow> & { status: MessageStatus };
    }>,
  ): Promise<boolean[]> {
    const next = moves.map(({ known, change }) => ({ ...known, ...change }));
    const recorded = await deps.recordEvent.setSql(
      undefined,
      next.map((message) => [{ message, type: `message.${message.status}` }]),
      { onlyFor: 'moved', name: 'recorded', handOff: true },
    );
    const moved = store.moveManySql(moves.map(({ known }, i) => ({ known, next: next[i] })));
    try {
      const { rows } = await db
        .raw<{ rows: Array<{ id: string }> }>(
          `with moved as (${moved.sql}), ${recorded.sql}
           select id from moved union all select null from recorded`,
          [...moved.bindings, ...recorded.bindings],
        )
        .options({ name: 'sms_moves' });
      const applied = new Set(rows.map((r) => r.id));
      // Committed (one statement): the webhooks of the moved messages are this process's.
      recorded.adopt(applied);
      return moves.map(({ known }) => applied.has(known.id));
    } catch (err) {
      if (moves.length === 1 && isStreamConflict(err)) return [false];
      throw err;
    }
  }

  /**
   * One-statement moves that start together go in one statement; a batch that fails is tried
   * one move at a time.
   */
  const moving = createGroupCommit(orOneByOne(movesInOneStatement), { maxBatchSize: 100 });

  /**
   * Submits the message's parts not yet submitted; false, submitting nothing, when it can no
   * longer be sent (canceled between the claim and the move to `sending`).
   */
  async function submitParts(message: MessageRow): Promise<boolean> {
    const gateway = deps.carriers.pick(message.to_addr);
    if (message.status !== 'sending') {
      const now = await move(message, 'sending', { connector: gateway.id });
      if (now !== 'sending') {
        deps.logger.info(
          { message_id: message.id, project_id: message.project_id, status: now },
          'message no longer to be sent; nothing submitted',
        );
        return false;
      }
    }
    const { segments } = encodeMessage(message.body, message.udh_reference);
    // A message still `queued` has never been submitted: no parts to look for.
    const earlier = message.status === 'sending' ? await store.parts(message.id) : [];
    const done = new Set(earlier.map((p) => p.part));
    /** Every recorded part, for the last look at early receipts when the message is sent. */
    const recorded = earlier.map((p) => ({ connector: p.connector_id, smscId: p.smsc_id }));
    let accepted = 0;
    for (const [index, segment] of segments.entries()) {
      if (done.has(index + 1)) continue;
      const remainingSec = Math.max(
        60,
        Math.floor(((message.expires_at?.getTime() ?? Infinity) - clock.now().getTime()) / 1000),
      );
      const { messageId } = await gateway
        .submit({
          source: message.from_addr,
          destination: message.to_addr,
          dataCoding: segment.dataCoding,
          esmClass: segment.esmClass,
          shortMessage: segment.shortMessage,
          registeredDelivery: true,
          validityPeriodSeconds: Number.isFinite(remainingSec) ? remainingSec : undefined,
        })
        .catch((err: unknown) => {
          const transient = !isAppError(err) || err.retryable;
          throw accepted > 0 && transient ? new FailedAfterProgress(err) : err;
        });
      accepted += 1;
      const part: SubmittedPart = {
        row: {
          message_id: message.id,
          part: index + 1,
          connector_id: gateway.id,
          smsc_id: normalizeMessageId(messageId),
          status: 'sent',
          error_code: null,
          updated_at: clock.now(),
        },
        smscIds: deps.receipts.spellingsOf(gateway.id, messageId),
        binds: deps.receipts.bindsOf(gateway.id),
      };
      // The SMSC has accepted the part: a failed INSERT is tried again (about 30 s in all,
      // inside the claim's lease) rather than failing the send, whose retry submitted the
      // part again. Only a longer outage leaves it to the retry (at-least-once).
      const early = await retryWrite(
        () => recordingPart.write(part),
        RECORD_PART_DELAYS_MS,
        (err, attempt) =>
          deps.logger.warn(
            { err, message_id: message.id, part: index + 1, attempt },
            'recording a submitted part failed; retrying',
          ),
      );
      await deps.receipts.applyTaken(early);
      recorded.push({ connector: gateway.id, smscId: messageId });
    }
    deps.logger.info(
      {
        message_id: message.id,
        project_id: message.project_id,
        parts: segments.length,
        connector: gateway.id,
      },
      'message submitted',
    );
    // A receipt can miss its part both ways: it is kept as early after the part's INSERT took
    // its snapshot, and looks for the part again before that INSERT commits. The `sent`
    // transaction, after every part committed, takes any such receipt (taking is a delete, so
    // only one side applies it) and applies it with the move.
    await sent.mark({
      id: message.id,
      connector: gateway.id,
      at: clock.now(),
      parts: recorded,
    });
    return true;
  }

  /** Sends `message` as claimed (its row as the claim read it); throws on a transient failure. */
  async function send(
    claimed: MessageRow & { recipient_opted_out?: boolean },
  ): Promise<SendOutcome> {
    const { recipient_opted_out: optedOut, ...message } = claimed;
    if (!['queued', 'scheduled', 'sending'].includes(message.status)) return 'done';
    if (optedOut) {
      await move(message, 'failed', {
        error_code: 'recipient_opted_out',
        error_message: `${message.to_addr} opted out of messages from ${message.from_addr} before this one was sent.`,
      });
      return 'done';
    }
    if (message.expires_at && clock.now() > message.expires_at) {
      await move(message, 'failed', {
        error_code: 'expired',
        error_message: 'The validity period ended before a carrier accepted the message.',
      });
      return 'done';
    }
    try {
      return (await submitParts(message)) ? 'sent' : 'done';
    } catch (err) {
      if (!isAppError(err) || err.retryable) throw err;
      deps.logger.warn(
        { message_id: message.id, project_id: message.project_id, code: err.code },
        'message refused by the carrier',
      );
      await move(message, 'failed', { error_code: err.code, error_message: err.detail });
      return 'done';
    }
  }

  return { send };
}
