import { decodeShortMessage } from '../encoding/index.js';

/** One received part of a concatenated MO message, its UDH already removed. */
export interface MoPart {
  /** Caller-chosen grouping key, e.g. `connector|source|destination`. */
  key: string;
  reference: number;
  total: number;
  /** 1-based position of this part. */
  sequence: number;
  /** data_coding of the PDU; the first part's value decodes the whole message. */
  dataCoding: number;
  /** User data WITHOUT the UDH. */
  payload: Buffer;
  receivedAt: Date;
}

/** A message whose parts have all arrived, decoded once from the joined payloads. */
export interface ReassembledMessage {
  text: string;
  dataCoding: number;
  parts: number;
}

/** An incomplete message given up on, so the caller can still deliver what arrived. */
export interface ExpiredMessage {
  key: string;
  /** The parts that arrived, in sequence order, missing ones skipped, decoded once. */
  text: string;
  partsReceived: number;
  total: number;
}

/** In-memory reassembly of concatenated MO messages. Pure: time comes from the parts. */
export interface Reassembler {
  /**
   * Adds a part. Returns the whole message when this part completes it, else null.
   * A part already held (same key, reference, total and sequence) is ignored, as is a
   * re-sent copy of a part of a message completed within the TTL (an SMSC re-sends when
   * our deliver_sm_resp is lost). A part that cannot belong to a message (total < 2, or
   * sequence outside 1..total) is returned decoded on its own rather than dropped.
   */
  add(part: MoPart): ReassembledMessage | null;
  /** True for a re-sent copy of a part of a message completed within the TTL. */
  isResentCopy(part: MoPart): boolean;
  /**
   * Removes and returns the incomplete groups whose first part arrived at least `ttlMs`
   * before `now`, with what did arrive; also forgets completed groups older than the TTL.
   */
  expire(now: Date): ExpiredMessage[];
  /** Number of incomplete groups held. */
  size(): number;
}

interface Group {
  key: string;
  total: number;
  dataCoding: number;
  firstAt: number;
  parts: Map<number, Buffer>;
}

/** The message a part belongs to: its key, reference and total (see `createReassembler`). */
export function groupIdOf(part: Pick<MoPart, 'key' | 'reference' | 'total'>): string {
  return JSON.stringify([part.key, part.reference, part.total]);
}

function joinInOrder(group: Group): Buffer {
  const ordered = [...group.parts.entries()].sort(([a], [b]) => a - b);
  return Buffer.concat(ordered.map(([, payload]) => payload));
}

/**
 * Creates a reassembler. Parts are grouped by key + reference + total (a sender reusing
 * a reference for a message of another length starts a new group). Payload octets are
 * joined in sequence order and decoded ONCE, so a UCS-2 surrogate pair or a GSM-7 escape
 * that a foreign SMSC split across parts still decodes.
 */
export function createReassembler(options: { ttlMs: number }): Reassembler {
  const pending = new Map<string, Group>();
  const completed = new Map<string, Group>();

  function isResentCopy(part: MoPart): boolean {
    const done = completed.get(groupIdOf(part));
    const previous = done?.parts.get(part.sequence);
    return previous !== undefined && previous.equals(part.payload);
  }

  function add(part: MoPart): ReassembledMessage | null {
    if (part.total < 2 || part.sequence < 1 || part.sequence > part.total) {
      return {
        text: decodeShortMessage(part.dataCoding, part.payload),
        dataCoding: part.dataCoding,
        parts: 1,
      };
    }
    const id = groupIdOf(part);
    if (isResentCopy(part)) return null;
    let group = pending.get(id);
    if (group === undefined) {
      group = {
        key: part.key,
        total: part.total,
        dataCoding: part.dataCoding,
        firstAt: part.receivedAt.getTime(),
        parts: new Map(),
      };
      pending.set(id, group);
      completed.delete(id);
    }
    if (group.parts.has(part.sequence)) return null;
    group.parts.set(part.sequence, part.payload);
    group.firstAt = Math.min(group.firstAt, part.receivedAt.getTime());
    if (group.parts.size < group.total) return null;
    pending.delete(id);
    completed.set(id, group);
    return {
      text: decodeShortMessage(group.dataCoding, joinInOrder(group)),
      dataCoding: group.dataCoding,
      parts: group.total,
    };
  }

  function expire(now: Date): ExpiredMessage[] {
    const cutoff = now.getTime() - options.ttlMs;
    for (const [id, group] of completed) if (group.firstAt <= cutoff) completed.delete(id);
    const expired: ExpiredMessage[] = [];
    for (const [id, group] of pending) {
      if (group.firstAt > cutoff) continue;
      pending.delete(id);
      expired.push({
        key: group.key,
        text: decodeShortMessage(group.dataCoding, joinInOrder(group)),
        partsReceived: group.parts.size,
        total: group.total,
      });
    }
    return expired;
  }

  return { add, isResentCopy, expire, size: () => pending.size };
}
