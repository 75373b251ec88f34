/** The sandbox's magic destinations (API.md "Sandbox"); every other number is delivered. */
export const MAGIC_DESTINATIONS = {
  /** Accepted, then a DLR `stat:UNDELIV` (message_state 5). */
  undelivered: '+15005550001',
  /** `submit_sm_resp` ESME_RINVDSTADR (0x0B). */
  rejected: '+15005550002',
  /** ESME_RTHROTTLED (0x58) on the first two attempts of each part, then delivered. */
  throttled: '+15005550003',
  /** Accepted, never a DLR. */
  noReceipt: '+15005550004',
} as const;

export const ESME_RINVDSTADR = 0x0b;
export const ESME_RTHROTTLED = 0x58;
/** Attempts of one part at the throttled number answered ESME_RTHROTTLED before it passes. */
export const THROTTLED_ATTEMPTS = 2;

export type ReceiptStat = 'DELIVRD' | 'UNDELIV';

/** What the simulator does with one `submit_sm`. */
export type SubmitOutcome =
  { kind: 'rejected'; commandStatus: number } | { kind: 'accepted'; receipt: ReceiptStat | null };

/**
 * The outcome of attempt `attempt` (1-based, counted per destination and part content) to
 * submit a part to `destination` (E.164 with '+').
 */
export function decideSubmitOutcome(destination: string, attempt: number): SubmitOutcome {
  switch (destination) {
    case MAGIC_DESTINATIONS.undelivered:
      return { kind: 'accepted', receipt: 'UNDELIV' };
    case MAGIC_DESTINATIONS.rejected:
      return { kind: 'rejected', commandStatus: ESME_RINVDSTADR };
    case MAGIC_DESTINATIONS.throttled:
      return attempt <= THROTTLED_ATTEMPTS
        ? { kind: 'rejected', commandStatus: ESME_RTHROTTLED }
        : { kind: 'accepted', receipt: 'DELIVRD' };
    case MAGIC_DESTINATIONS.noReceipt:
      return { kind: 'accepted', receipt: null };
    default:
      return { kind: 'accepted', receipt: 'DELIVRD' };
  }
}
