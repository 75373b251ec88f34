/**
 * The message status machine, pure (DESIGN.md): `queued|scheduled → sending → sent →
 * delivered | undelivered | failed`, `canceled` only from `scheduled`, `received` for inbound.
 * A status never moves backwards and a final one never changes: a late `sent` after
 * `delivered`, or a second receipt, is recorded as an event by the caller and ignored here.
 */
export type MessageStatus =
  | 'queued'
  | 'scheduled'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'undelivered'
  | 'failed'
  | 'canceled'
  | 'received';

export type PartStatus = 'sent' | 'delivered' | 'undelivered' | 'failed';

const RANK: Record<MessageStatus, number> = {
  queued: 0,
  scheduled: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  undelivered: 3,
  failed: 3,
  canceled: 3,
  received: 3,
};

export const FINAL_STATUSES: readonly MessageStatus[] = [
  'delivered',
  'undelivered',
  'failed',
  'canceled',
  'received',
];

export function isFinal(status: MessageStatus): boolean {
  return RANK[status] === 3;
}

/** The status after `next` is applied to `current`, and whether it changed. */
export function transition(
  current: MessageStatus,
  next: MessageStatus,
): { status: MessageStatus; changed: boolean } {
  if (next === 'canceled' && current !== 'scheduled') return { status: current, changed: false };
  if (RANK[next] <= RANK[current]) return { status: current, changed: false };
  return { status: next, changed: true };
}

const ALL_STATUSES = Object.keys(RANK) as MessageStatus[];

/** The statuses a message may be in for `transition(status, next)` to change it. */
export function statusesBefore(next: MessageStatus): MessageStatus[] {
  return ALL_STATUSES.filter((current) => transition(current, next).changed);
}

/** A part's status after a receipt: parts move forward too, and a final part stays final. */
export function transitionPart(current: PartStatus, next: PartStatus | 'pending'): PartStatus {
  if (next === 'pending' || current !== 'sent') return current;
  return next;
}

/**
 * The message status its parts imply once every part is submitted: delivered when all parts
 * are; undelivered or failed as soon as one part is (the whole text can no longer arrive);
 * otherwise still sent.
 */
export function statusFromParts(parts: PartStatus[], total: number): MessageStatus {
  if (parts.includes('failed')) return 'failed';
  if (parts.includes('undelivered')) return 'undelivered';
  if (parts.length === total && parts.every((p) => p === 'delivered')) return 'delivered';
  return 'sent';
}
