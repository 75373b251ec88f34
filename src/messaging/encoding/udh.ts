/**
 * User Data Header (3GPP TS 23.040 §9.2.3.24): a length octet, then information elements
 * (IEI, length, data). We write only the concatenation element and read the two
 * concatenation elements; every other element is skipped.
 */

/** Concatenation element with an 8-bit reference. */
const IEI_CONCAT_8 = 0x00;
/** Concatenation element with a 16-bit reference. */
const IEI_CONCAT_16 = 0x08;

/** Octets of the UDH that {@link buildConcatUdh} writes: `05 00 03 ref total seq`. */
export const CONCAT_UDH_OCTETS = 6;

/** Where one part sits in a concatenated message, as read from its UDH. */
export interface ConcatInfo {
  /** Same for every part of one message (per sender); 0–255 or 0–65535. */
  reference: number;
  /** Number of parts, 1–255. */
  total: number;
  /** This part's position, 1-based, ≤ total. */
  sequence: number;
  /** Which element carried it: IEI 0x00 (8-bit) or 0x08 (16-bit reference). */
  referenceBits: 8 | 16;
}

/** The 6-octet UDH for part `sequence` of `total`, with `reference & 0xFF`. */
export function buildConcatUdh(reference: number, total: number, sequence: number): Buffer {
  return Buffer.from([0x05, IEI_CONCAT_8, 0x03, reference & 0xff, total, sequence]);
}

function readConcat(iei: number, data: Buffer): ConcatInfo | undefined {
  let info: ConcatInfo;
  if (iei === IEI_CONCAT_8 && data.length === 3) {
    info = { reference: data[0], total: data[1], sequence: data[2], referenceBits: 8 };
  } else if (iei === IEI_CONCAT_16 && data.length === 4) {
    info = {
      reference: data.readUInt16BE(0),
      total: data[2],
      sequence: data[3],
      referenceBits: 16,
    };
  } else {
    return undefined;
  }
  // TS 23.040: a zero total, or a sequence of zero or beyond the total, voids the element.
  if (info.total === 0 || info.sequence === 0 || info.sequence > info.total) return undefined;
  return info;
}

/**
 * Splits a short_message that starts with a UDH (the caller saw UDHI, esm_class 0x40)
 * into the concatenation info, if any, and the payload after the header.
 *
 * - Other elements (ports, national language shifts, ...) are skipped.
 * - When a concatenation element repeats, the last valid one wins (TS 23.040 says the
 *   last occurrence is used); an element with a zero total or an out-of-range sequence
 *   is ignored, as the spec requires.
 * - Never throws. A header longer than the buffer returns the whole buffer as payload
 *   with no concat; an element running past the header's end voids the concat info
 *   (the header is corrupt) but the payload still starts after the declared header.
 */
export function parseUdh(shortMessage: Buffer): { concat?: ConcatInfo; payload: Buffer } {
  if (shortMessage.length === 0) return { payload: shortMessage };
  const end = 1 + shortMessage[0];
  if (end > shortMessage.length) return { payload: shortMessage };
  const payload = shortMessage.subarray(end);
  let concat: ConcatInfo | undefined;
  let offset = 1;
  while (offset < end) {
    if (offset + 2 > end) return { payload };
    const iei = shortMessage[offset];
    const dataEnd = offset + 2 + shortMessage[offset + 1];
    if (dataEnd > end) return { payload };
    concat = readConcat(iei, shortMessage.subarray(offset + 2, dataEnd)) ?? concat;
    offset = dataEnd;
  }
  return concat === undefined ? { payload } : { concat, payload };
}
