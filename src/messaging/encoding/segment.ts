import { ValidationError } from '../../platform/index.js';
import { toGsm7Groups } from './gsm7.js';
import { encodeUtf16Be, toUtf16Groups } from './ucs2.js';
import { buildConcatUdh } from './udh.js';

/** How a message body travels: GSM-7 when every character fits, else UCS-2. */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** What a body costs, without building the PDUs. */
export interface TextAnalysis {
  encoding: SmsEncoding;
  /** How many submit_sm parts {@link encodeMessage} will produce. */
  segments: number;
  /** Septets (GSM-7; extension characters count 2) or UTF-16 code units (UCS-2). */
  units: number;
  /** User-perceived length in code points. */
  characters: number;
}

/** One submit_sm worth of message. */
export interface EncodedSegment {
  /** 0 = GSM-7 unpacked (one septet per octet, as Jasmin and Kannel expect over SMPP); 8 = UCS-2 big-endian. */
  dataCoding: 0 | 8;
  /** 0x40 (UDHI) when a UDH is present, else 0. */
  esmClass: number;
  /** UDH (if any) followed by the payload, ready for submit_sm.short_message. */
  shortMessage: Buffer;
}

/**
 * Part sizes in encoding units. A part carries 140 octets of user data: 160 septets or 70
 * UCS-2 code units. A concatenation UDH takes 6 octets, which in GSM-7 is 7 septets once
 * padded to a septet boundary, leaving 153 septets, or 67 code units in UCS-2.
 */
export const SEGMENT_LIMITS = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
} as const;

/** The concatenation UDH's total is one octet. */
export const MAX_SEGMENTS = 255;

const UDHI = 0x40;

interface SegmentPlan {
  encoding: SmsEncoding;
  /** Encoding units of each part, in order; always at least one (possibly empty) part. */
  parts: number[][];
  units: number;
  characters: number;
}

/**
 * Packs indivisible groups (an escape pair, a surrogate pair, or a single unit) into
 * parts greedily. A group that would overflow starts the next part, so a part may hold
 * one unit less than the limit.
 */
function packGroups(groups: Array<readonly number[]>, limit: number): number[][] {
  const parts: number[][] = [[]];
  for (const group of groups) {
    let current = parts[parts.length - 1];
    if (current.length + group.length > limit) {
      current = [];
      parts.push(current);
    }
    current.push(...group);
  }
  return parts;
}

function planSegments(body: string): SegmentPlan {
  const gsm = toGsm7Groups(body);
  const encoding: SmsEncoding = gsm === null ? 'UCS-2' : 'GSM-7';
  const groups = gsm ?? toUtf16Groups(body);
  const units = groups.reduce((sum, group) => sum + group.length, 0);
  const limits = SEGMENT_LIMITS[encoding];
  const parts =
    units <= limits.single
      ? [groups.flatMap((group) => [...group])]
      : packGroups(groups, limits.multi);
  return { encoding, parts, units, characters: countCodePoints(body) };
}

function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/**
 * Chooses the encoding and counts segments exactly as {@link encodeMessage} would split
 * the body, so a price or limit computed here matches what is sent. An empty body is one
 * empty GSM-7 segment.
 */
export function analyzeText(body: string): TextAnalysis {
  const plan = planSegments(body);
  return {
    encoding: plan.encoding,
    segments: plan.parts.length,
    units: plan.units,
    characters: plan.characters,
  };
}

/**
 * Encodes a body into submit_sm parts. A body that fits one part is sent without a UDH;
 * a longer one gets the 8-bit concatenation UDH `05 00 03 ref total seq` on each part,
 * with `reference & 0xFF`. An escape pair or a surrogate pair is never split across
 * parts. The caller picks `reference` (e.g. a per-destination counter).
 *
 * @throws ValidationError `body_too_long` when the body needs more than 255 parts, the
 *   most a concatenation UDH can number; check {@link analyzeText} first to answer
 *   the client earlier.
 */
export function encodeMessage(
  body: string,
  reference: number,
): { encoding: SmsEncoding; segments: EncodedSegment[] } {
  const plan = planSegments(body);
  const total = plan.parts.length;
  if (total > MAX_SEGMENTS) {
    throw new ValidationError(
      `The message needs ${total} segments; at most ${MAX_SEGMENTS} can be concatenated.`,
      [{ path: '/body', message: `must fit in ${MAX_SEGMENTS} segments` }],
      'body_too_long',
    );
  }
  const dataCoding = plan.encoding === 'GSM-7' ? 0 : 8;
  const segments = plan.parts.map((units, index): EncodedSegment => {
    const payload = dataCoding === 0 ? Buffer.from(units) : encodeUtf16Be(units);
    if (total === 1) return { dataCoding, esmClass: 0, shortMessage: payload };
    const udh = buildConcatUdh(reference, total, index + 1);
    return { dataCoding, esmClass: UDHI, shortMessage: Buffer.concat([udh, payload]) };
  });
  return { encoding: plan.encoding, segments };
}
