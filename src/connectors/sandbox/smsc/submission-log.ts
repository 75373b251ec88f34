import { decodeShortMessage, parseUdh } from '../../../messaging/index.js';

/** One message the simulator accepted, its parts put back together. */
export interface Submission {
  source: string;
  destination: string;
  text: string;
  parts: number;
  /** One per part, in part order. */
  messageIds: string[];
  dataCoding: number;
}

/** One accepted `submit_sm`, as the log needs it. */
export interface AcceptedPart {
  source: string;
  destination: string;
  dataCoding: number;
  esmClass: number;
  shortMessage: Buffer;
  messageId: string;
  /** SAR TLVs, for SMSCs-style concatenation without a UDH. */
  sar?: { reference: number; total: number; sequence: number };
}

/** Accepted parts regrouped into messages; a message appears once all its parts are in. */
export interface SubmissionLog {
  /** Records a part; returns the part's own decoded text (for its receipt). */
  record(part: AcceptedPart): string;
  list(): ReadonlyArray<Submission>;
}

const UDHI = 0x40;

export function createSubmissionLog(): SubmissionLog {
  const done: Submission[] = [];
  const partial = new Map<string, Map<number, { payload: Buffer; messageId: string }>>();

  return {
    record(part) {
      const { concat, payload } = splitPart(part);
      const text = decodeShortMessage(part.dataCoding, payload);
      if (!concat || concat.total === 1) {
        done.push({
          source: part.source,
          destination: part.destination,
          text,
          parts: 1,
          messageIds: [part.messageId],
          dataCoding: part.dataCoding,
        });
        return text;
      }
      const key = [part.source, part.destination, concat.reference, concat.total].join('|');
      const parts = partial.get(key) ?? new Map();
      partial.set(key, parts);
      parts.set(concat.sequence, { payload, messageId: part.messageId });
      if (parts.size === concat.total) {
        partial.delete(key);
        const ordered = [...parts.entries()].sort(([a], [b]) => a - b).map(([, value]) => value);
        done.push({
          source: part.source,
          destination: part.destination,
          text: decodeShortMessage(part.dataCoding, Buffer.concat(ordered.map((p) => p.payload))),
          parts: concat.total,
          messageIds: ordered.map((p) => p.messageId),
          dataCoding: part.dataCoding,
        });
      }
      return text;
    },
    list: () => done,
  };
}

function splitPart(part: AcceptedPart) {
  if (part.esmClass & UDHI) {
    const parsed = parseUdh(part.shortMessage);
    return { concat: parsed.concat ?? part.sar, payload: parsed.payload };
  }
  return { concat: part.sar, payload: part.shortMessage };
}
