import { normalizeMessageId, type ReceiptOutcome } from '../connectors/index.js';
import {
  createGroupCommit,
  orOneByOne,
  type Clock,
  type Db,
  type Logger,
  type SqlFragment,
} from '../platform/index.js';
import { createIdSpellings } from './cross-base-ids.js';
import type { MessageEventEntry, RecordMessageEvent } from './message-events.js';
import type { PartLookup, PartRow } from './message-parts.store.js';
import type { MessageRow, MessagesStore } from './messages.store.js';
import { statusFromParts, transition, transitionPart, type PartStatus } from './status.js';

/** A delivery receipt from any source: an SMPP DLR or a provider's ingress webhook. */
export interface ReceiptInput {
  /**
   * The bind the receipt came on: it matches parts submitted on any bind of the same SMSC
   * account (`bindsOf`); null matches any connector (ingress by message id alone).
   */
  connectorId: string | null;
  smscId: string;
  outcome: ReceiptOutcome;
  state: string;
  errorCode: string | null;
}

export type ReceiptResult = 'applied' | 'early' | 'unknown';

/** A receipt whose part is recorded, waiting to be applied. */
interface Found {
  input: ReceiptInput;
  part: PartRow;
}

/** What applying receipts to one message changed: its events, its moved parts, its move. */
export interface Applied {
  entries: MessageEventEntry[];
  parts: Array<PartRow & { updated_at: Date }>;
  message: MessageRow | null;
}

/** How long a kept receipt waits before other readings of its id are tried (see config). */
const CROSS_BASE_WAIT_MS = 45_000;
/** How long after its wait a kept receipt is tried under other readings of its id. */
const CROSS_BASE_TRY_FOR_MS = 10 * 60_000;
/** How far from a kept receipt's arrival its part may have been recorded, for such a try. */
const CROSS_BASE_RECORDED_WITHIN_MS = 10 * 60_000;

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
  /**
   * How long a receipt waits for a part under its own spelling of the id before its hex or
   * decimal reading is tried (45 s): by then the part it names would have been recorded, its
   * record retried through a database blip included.
   */
  crossBaseWaitMs?: number;
  /**
   * The binds of a bind's SMSC account, the one naming the account first (see
   * `bindsByAccount`); each bind alone by default. Receipts are matched, kept and learned per
   * account: an SMSC delivers an account's receipts on any of its binds.
   */
  bindsOf?: (connectorId: string) => readonly string[];
}) {
  const { db, store, clock } = deps;
  const crossBaseWaitMs = deps.crossBaseWaitMs ?? CROSS_BASE_WAIT_MS;
  const spellings = createIdSpellings({ logger: deps.logger });
  const bindsOf = deps.bindsOf ?? ((connectorId: string) => [connectorId]);
  /** The bind naming a bind's SMSC account: receipts are kept and learned under it. */
  const accountOf = (connectorId: string) => bindsOf(connectorId)[0];
  const spellingsOf = (connectorId: string | null, smscId: string) =>
    spellings.of(connectorId === null ? null : accountOf(connectorId), smscId);
  /** Where the part of a receipt that came on `connectorId` (null: ingress) is looked for. */
  const lookupOf = (connectorId: string | null, smscId: string): PartLookup => ({
    connectorIds: connectorId === null ? null : bindsOf(connectorId),
    smscIds: spellingsOf(connectorId, smscId),
  });
  /** The keys a part's receipts are kept under until it is recorded. */
  const keptKeysOf = (connectorId: string, smscIds: readonly string[]) =>
    smscIds.map((smsc_id) => ({ connector_id: accountOf(connectorId), smsc_id }));

  /**
   * What a sent message's parts make of it: the message after the move and its status event;
   * null when the parts change nothing (or the message is not `sent`).
   */
  function settlement(message: MessageRow, parts: PartRow[]) {
    if (message.status !== 'sent') return null;
    const next = transition(
      message.status,
      statusFromParts(
        parts.map((p) => p.status),
        message.segments,
      ),
    );
    if (!next.changed) return null;
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
    const entry: MessageEventEntry = { message: updated, type: `message.${next.status}` };
    return { updated, entry };
  }

  /**
   * Receipts of one locked message applied to its parts (`parts`, all of them, changed in
   * place): a `message.receipt` event per receipt, then the message's move if its parts now
   * make one; the parts that moved (each where its receipts left it) and the message after
   * its move (null if it stays), for `writesOf`. Receipts of one part apply in the given order,
   * each to what the one before left.
   */
  function applyToMessage(
    message: MessageRow,
    parts: PartRow[],
    receipts: ReadonlyArray<{ input: ReceiptInput; part: Pick<PartRow, 'part'> }>,
  ): Applied {
    const entries: MessageEventEntry[] = [];
    const moved = new Set<PartRow>();
    for (const { input, part } of receipts) {
      const current = parts.find((p) => p.part === part.part)!;
      const outcome = input.outcome === 'pending' ? 'pending' : (input.outcome as PartStatus);
      const next = transitionPart(current.status, outcome);
      const changed = next !== current.status;
      if (changed) {
        Object.assign(current, { status: next, error_code: input.errorCode });
        moved.add(current);
      }
      const receipt = { part: part.part, state: input.state, error_code: input.errorCode, changed };
      entries.push({ message, type: 'message.receipt', extra: { receipt } });
    }
    const settled = settlement(message, parts);
    if (settled) entries.push(settled.entry);
    const now = clock.now();
    return {
      entries,
      parts: [...moved].map((p) => ({ ...p, updated_at: now })),
      message: settled?.updated ?? null,
    };
  }

  /**
   * The writes of several messages' applied receipts: one UPDATE of all the parts that moved
   * and one of all the messages that moved (a row is written once per statement), the same
   * text for any batch.
   */
  function writesOf(applied: readonly Applied[]): SqlFragment[] {
    return [
      store.updatePartsSql(applied.flatMap((a) => a.parts)),
      store.updateManySql(applied.flatMap((a) => (a.message ? [a.message] : []))),
    ];
  }

  /**
   * Applies found receipts in one transaction: their messages locked in id order, all their
   * parts read at once, then every part's update, every message's move and every event (a
   * `message.receipt` per receipt, a status event per message that moves) in one statement.
   * Receipts of one part apply in arrival order, each to what the one before left.
   */
  async function applyFound(batch: readonly Found[]): Promise<void> {
    await db.transaction(async (trx) => {
      const ids = [...new Set(batch.map((f) => f.part.message_id))].sort();
      const messages = new Map((await store.lockMany(trx, ids)).map((m) => [m.id, m]));
      const parts = await store.partsByMessage(ids, trx);
      const applied = ids.map((id) =>
        applyToMessage(
          messages.get(id)!,
          parts.get(id) ?? [],
          batch.filter((f) => f.part.message_id === id),
        ),
      );
      await deps.recordEvent.forMessages(
        trx,
        applied.map((a) => a.entries),
        writesOf(applied),
      );
    });
  }

  /**
   * Found receipts are applied by group commit: those that arrive while a batch is being
   * written go together in the next transaction. A batch the database refuses is applied
   * again one receipt at a time, so only the receipt at fault fails.
   */
  const applying = createGroupCommit<Found>(orOneByOne(applyFound), { maxBatchSize: 100 });

  /**
   * Applies the receipts kept for a part of this bind's SMSC account whose SMSC id has any of
   * these forms (`spellingsOf`: the id itself, and its other readings for an account known to
   * mix bases).
   */
  async function applyEarly(connectorId: string, smscIds: string[]): Promise<void> {
    await applyTaken(await store.takeEarlyReceipts(keptKeysOf(connectorId, smscIds)));
  }

  /** Applies receipts already taken from the early store. */
  async function applyTaken(taken: { receipt: unknown }[]): Promise<void> {
    for (const { receipt } of taken) await apply(receipt as ReceiptInput);
  }

  /** Parts looked up for receipts together: one statement for those that arrive meanwhile. */
  const finding = createGroupCommit<PartLookup, PartRow[]>((lookups) => store.findParts(lookups), {
    maxBatchSize: 200,
  });

  async function apply(input: ReceiptInput): Promise<ReceiptResult> {
    const lookup = lookupOf(input.connectorId, input.smscId);
    const parts = await finding.write(lookup);
    if (parts.length === 0) {
      if (input.connectorId === null) return 'unknown';
      await store.saveEarlyReceipt({
        connector_id: accountOf(input.connectorId),
        smsc_id: normalizeMessageId(input.smscId),
        receipt: input,
        received_at: clock.now(),
      });
      // The sender may have recorded the part between our lookup and the save, and taken the
      // early receipts before ours was there: look again. Taking is a delete, so only one
      // side ever applies a kept receipt.
      const found = await finding.write(lookup);
      if (found.length > 0) {
        await applyEarly(input.connectorId, [...lookup.smscIds]);
      }
      return 'early';
    }
    // Every part of the message that holds the id: an SMSC that gives all the parts of a
    // message one id sends a receipt per part for it, and they can only apply to all.
    await Promise.all(parts.map((part) => applying.write({ input, part })));
    return 'applied';
  }

  /**
   * Receipts kept for longer than `crossBaseWaitMs` (no part ever took them under their own
   * spelling of the id), tried under their hex or decimal reading during the next 10 minutes:
   * applied to the parts found there that have no final status yet (one that has is some
   * other message's, with its own receipt) and were recorded around the receipt's arrival
   * (10 minutes either way: a message left `sent` for days is not the one). Three such
   * matches teach that the account mixes bases (see `createIdSpellings`): one coincidence (an
   * orphan receipt of a resubmitted part, another system's on a shared account) would have
   * brought back the 10 ↔ 16 mix-up for good. The newest first, at most `limit`.
   */
  async function matchAcrossBases(limit = 500): Promise<void> {
    const before = new Date(clock.now().getTime() - crossBaseWaitMs);
    const since = new Date(before.getTime() - CROSS_BASE_TRY_FOR_MS);
    const waiting = await store.waitingEarlyReceipts(since, before, limit);
    const found = await store.findParts(
      waiting.map((w) => ({
        connectorIds: bindsOf(w.connector_id),
        smscIds: spellings.otherBases(w.smsc_id),
      })),
    );
    for (const [i, { connector_id, smsc_id, received_at }] of waiting.entries()) {
      const arrived = received_at.getTime();
      const open = found[i].filter((p) => {
        const recorded = p.updated_at?.getTime() ?? 0;
        return p.status === 'sent' && Math.abs(recorded - arrived) <= CROSS_BASE_RECORDED_WITHIN_MS;
      });
      if (open.length === 0) continue;
      const taken = await store.takeEarlyReceipts([{ connector_id, smsc_id }]);
      if (taken.length === 0) continue; // a part under its own spelling took it meanwhile
      spellings.learn(connector_id);
      await Promise.all(
        taken.flatMap(({ receipt }) =>
          open.map((part) => applying.write({ input: receipt as ReceiptInput, part })),
        ),
      );
    }
  }

  return {
    apply,
    applyToMessage,
    writesOf,
    applyEarly,
    applyTaken,
    matchAcrossBases,
    crossBaseWaitMs,
    /** The spellings of a part's SMSC id to take its kept receipts by. */
    spellingsOf,
    lookupOf,
    keptKeysOf,
    bindsOf,
    accountOf,
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
