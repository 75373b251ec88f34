/**
 * SMSC message ids as we store and look them up. Many SMSCs return the id in hex in
 * submit_sm_resp and in decimal in the receipt, or the reverse (Kannel's `msg-id-type`
 * setting exists for exactly this), and some pad with zeros or change case. We store the
 * normalised id; a receipt is looked up by its own form first, and by the others only once
 * that can no longer match (messaging's cross-base wait): a numeric id read in the other base
 * is often another message's id.
 */

/** Beyond this many characters an id is not a number in disguise (UUIDs, 32-hex ids). */
const MAX_CONVERTIBLE_LENGTH = 20;

/**
 * The canonical stored form: trimmed, lower-cased, leading zeros stripped ("000" → "0",
 * "" stays ""). Applied to both the submit_sm_resp id and the receipt id.
 */
export function normalizeMessageId(id: string): string {
  const lowered = id.trim().toLowerCase();
  const stripped = lowered.replace(/^0+/, '');
  return stripped === '' && lowered !== '' ? '0' : stripped;
}

/**
 * Every normalised form a receipt's id may have been stored under: the id itself, plus
 * its hex form when it is all decimal digits, plus its decimal form when it is all hex
 * digits (an all-decimal id gets both). Ids longer than 20 characters are not converted.
 * No duplicates; the id itself comes first.
 */
export function messageIdCandidates(id: string): string[] {
  const normalized = normalizeMessageId(id);
  const candidates = [normalized];
  if (normalized !== '' && normalized.length <= MAX_CONVERTIBLE_LENGTH) {
    if (/^[0-9]+$/.test(normalized)) candidates.push(BigInt(normalized).toString(16));
    if (/^[0-9a-f]+$/.test(normalized)) candidates.push(BigInt(`0x${normalized}`).toString(10));
  }
  return [...new Set(candidates)];
}
