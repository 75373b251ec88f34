/**
 * The ids that tie a whole-call or dial recording to its call without any state: the snoop
 * channel and the dial bridge carry the call id, so a RecordingFinished can be stored for the
 * right call even after the call ended or the orchestrator restarted.
 */

/** The first StasisStart argument of a snoop channel we created to record a call. */
export const SNOOP_MARKER = 'trunkline-snoop';

const CALL_ID = 'call_[0-9A-HJKMNP-TV-Z]{26}';
const SNOOP_ID = new RegExp(`^(${CALL_ID})\\.s\\d+$`);
const BRIDGE_ID = new RegExp(`^(${CALL_ID})\\.b\\d+$`);

/** Our id for the n-th snoop channel of a call (`call_X.sN`). */
export function snoopChannelId(callId: string, n: number): string {
  return `${callId}.s${n}`;
}

/** Our id for the mixing bridge of a call's n-th dial (`call_X.bN`). */
export function dialBridgeId(callId: string, n: number): string {
  return `${callId}.b${n}`;
}

/** The call whose snoop channel this is, or null for any other channel. */
export function callIdOfSnoop(channelId: string): string | null {
  return SNOOP_ID.exec(channelId)?.[1] ?? null;
}

/**
 * The call a side recording belongs to, read from what was recorded: one of our snoop channels
 * (whole-call recording) or one of our dial bridges (`dial` with `record: true`). Null for
 * anything else, in particular the caller's own channel, which only the `record` verb records.
 */
export function callIdOfRecordingTarget(target: {
  channelId: string;
  bridgeId?: string;
}): string | null {
  if (target.bridgeId) return BRIDGE_ID.exec(target.bridgeId)?.[1] ?? null;
  return callIdOfSnoop(target.channelId);
}
