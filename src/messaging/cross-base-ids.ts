import { messageIdCandidates, normalizeMessageId } from '../connectors/index.js';
import type { Logger } from '../platform/index.js';

/** Cross-base matches after which an account's receipts are read both ways at once. */
const LEARNED_AFTER = 3;

/**
 * Which spellings of a receipt's SMSC id to look a part up by. The id as the receipt gives it
 * always; its hex or decimal reading (an SMSC may give the id in hex in submit_sm_resp and in
 * decimal in the receipt, or the reverse) only for an account that has shown it does so: read
 * both ways from the start, a receipt for id 10 went to the message of id 16 (0x10) while the
 * message of 10 waited for its submit response, which stayed `sent` for ever.
 *
 * An SMSC account (named by its first bind, see `bindsByAccount`) is learned after three
 * receipts that waited the grace period for a part under their own spelling matched one under
 * another (see `createReceipts`); learned in memory, per process.
 */
export function createIdSpellings(deps: { logger: Logger }) {
  const crossBase = new Set<string>();
  /** Cross-base matches seen per account not yet learned. */
  const seen = new Map<string, number>();
  return {
    /** The spellings to look up, the id as given first; every spelling for ingress (null). */
    of(connectorId: string | null, smscId: string): string[] {
      return connectorId === null || crossBase.has(connectorId)
        ? messageIdCandidates(smscId)
        : [normalizeMessageId(smscId)];
    },
    /** The hex or decimal readings of an id, without the id itself. */
    otherBases(smscId: string): string[] {
      return messageIdCandidates(smscId).slice(1);
    },
    /** Notes that this account's receipts spell ids in another base than its submit responses. */
    learn(connectorId: string): void {
      if (crossBase.has(connectorId)) return;
      const count = (seen.get(connectorId) ?? 0) + 1;
      seen.set(connectorId, count);
      if (count < LEARNED_AFTER) return;
      seen.delete(connectorId);
      crossBase.add(connectorId);
      deps.logger.info(
        { connector: connectorId },
        'receipts of this connector give message ids in another base; reading them both ways from now',
      );
    },
  };
}

export type IdSpellings = ReturnType<typeof createIdSpellings>;
