/**
 * The call status machine, pure (DESIGN.md): `queued → initiated → ringing → in-progress →
 * completed`, or one of the final `busy`, `no-answer`, `failed`, `canceled` before answer.
 * A status never moves backwards and a final one never changes: a late `ringing` after the
 * answer, or a second hang-up, is ignored here (the caller may still record it as an event).
 */
export type CallStatus =
  | 'queued'
  | 'initiated'
  | 'ringing'
  | 'in-progress'
  | 'completed'
  | 'busy'
  | 'no-answer'
  | 'failed'
  | 'canceled';

export const CALL_STATUSES: readonly CallStatus[] = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
];

const RANK: Record<CallStatus, number> = {
  queued: 0,
  initiated: 1,
  ringing: 2,
  'in-progress': 3,
  completed: 4,
  busy: 4,
  'no-answer': 4,
  failed: 4,
  canceled: 4,
};

/** Final statuses that only make sense for a call nobody answered. */
const UNANSWERED_ONLY = new Set<CallStatus>(['busy', 'no-answer', 'canceled']);

/** The statuses a call can still change from: it is live (or about to be). */
export const LIVE_STATUSES: readonly CallStatus[] = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
];

export function isFinalCallStatus(status: CallStatus): boolean {
  return RANK[status] === 4;
}

/**
 * The status after `next` is applied to `current`, and whether it changed. Forward moves
 * only; `busy`, `no-answer` and `canceled` are refused once the call was answered.
 */
export function transitionCall(
  current: CallStatus,
  next: CallStatus,
): { status: CallStatus; changed: boolean } {
  if (RANK[next] <= RANK[current]) return { status: current, changed: false };
  if (UNANSWERED_ONLY.has(next) && RANK[current] >= RANK['in-progress']) {
    return { status: current, changed: false };
  }
  return { status: next, changed: true };
}

/**
 * The timestamps that come with a status: `initiated` and `ringing` start the call (unless it
 * has started), `in-progress` answers it, a final status ends it (and fixes its duration).
 */
export function timestampsOf(status: CallStatus): {
  start: boolean;
  answer: boolean;
  end: boolean;
} {
  return {
    start: status === 'initiated' || status === 'ringing',
    answer: status === 'in-progress',
    end: isFinalCallStatus(status),
  };
}

/**
 * The statuses a call may be in for `next` to change it: the status machine's precondition,
 * for writers that check it in the UPDATE itself (`calls.status = any(...)`).
 */
export function statusesBefore(next: CallStatus): CallStatus[] {
  return CALL_STATUSES.filter((current) => transitionCall(current, next).changed);
}

/**
 * The webhook type announcing a status (API.md "Webhooks to your app"): `in-progress` is
 * announced as `call.answered`; `queued` is not announced (the API answer already says it).
 */
export function webhookTypeOf(status: CallStatus): string | null {
  if (status === 'queued') return null;
  return status === 'in-progress' ? 'call.answered' : `call.${status}`;
}

/** Q.850 cause codes with the names `hangup_cause` shows. */
const CAUSE_NAMES: Record<number, string> = {
  1: 'unallocated_number',
  3: 'no_route_destination',
  16: 'normal_clearing',
  17: 'user_busy',
  18: 'no_user_response',
  19: 'no_answer',
  20: 'subscriber_absent',
  21: 'call_rejected',
  22: 'number_changed',
  27: 'destination_out_of_order',
  28: 'invalid_number_format',
  31: 'normal_unspecified',
  34: 'normal_circuit_congestion',
  38: 'network_out_of_order',
  41: 'normal_temporary_failure',
  42: 'switch_congestion',
  44: 'requested_chan_unavail',
  58: 'bearercapability_notavail',
  102: 'recovery_on_timer_expire',
  127: 'interworking',
};

/** The name of a Q.850 cause (`cause_<n>` for one without a name, `unknown` for 0). */
export function causeName(cause: number): string {
  if (!Number.isInteger(cause) || cause <= 0) return 'unknown';
  return CAUSE_NAMES[cause] ?? `cause_${cause}`;
}

const NO_ANSWER_CAUSES = new Set([18, 19, 102]);

/**
 * The final status a hang-up gives a call: any answered call `completed`; before the answer,
 * a hang-up we asked for `canceled`, 17 `busy`, 18/19/102 (and 16, the far end giving up
 * while it rang) `no-answer`, anything else — 21 rejected, 34 congestion, 1 unallocated,
 * 0 unknown — `failed`.
 */
export function statusForHangup(input: {
  answered: boolean;
  cause: number;
  canceledByUs?: boolean;
}): CallStatus {
  if (input.answered) return 'completed';
  if (input.canceledByUs) return 'canceled';
  if (input.cause === 17) return 'busy';
  if (NO_ANSWER_CAUSES.has(input.cause) || input.cause === 16) return 'no-answer';
  return 'failed';
}

/** The outcome a `dial` verb reports for its leg, from the same hang-up facts. */
export function dialOutcomeForHangup(input: {
  answered: boolean;
  cause: number;
}): 'completed' | 'busy' | 'no-answer' | 'failed' {
  const status = statusForHangup(input);
  return status === 'busy' || status === 'no-answer' || status === 'completed' ? status : 'failed';
}

/** Whole seconds from answer to end (never negative); 0 for a call never answered. */
export function callDuration(answeredAt: Date | null, endedAt: Date): number {
  if (!answeredAt) return 0;
  return Math.max(0, Math.floor((endedAt.getTime() - answeredAt.getTime()) / 1000));
}
