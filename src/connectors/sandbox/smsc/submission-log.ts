import { decodeShortMessage, parseUdh } from '../../../messaging/index.js';
import { createLatest } from './latest.js';

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
/**
 * The most recent messages kept (for tests and the benchmark's checks), and messages waiting
 * for parts: the sandbox runs for days under `npm start`, and keeping every message it ever
 * accepted grew the worker's heap by ~3 KB a message (~460 MB an hour at 40 SMS/s).
 */
export const SUBMISSIONS_KEPT = 10_000;

export function createSubmissionLog(): SubmissionLog {
  const done = createLatest<Submission>(SUBMISSIONS_KEPT);
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
      // A message whose other parts never come is forgotten once newer ones crowd it out.
      if (partial.size > SUBMISSIONS_KEPT) partial.delete(partial.keys().next().value!);
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
    list: () => done.list(),
  };
}

function splitPart(part: AcceptedPart) {
  if (part.esmClass & UDHI) {
    const parsed = parseUdh(part.shortMessage);
    return { concat: parsed.concat ?? part.sar, payload: parsed.payload };
  }
  return { concat: part.sar, payload: part.shortMessage };
}
