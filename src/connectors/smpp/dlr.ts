/**
 * Delivery receipts (SMPP 3.4 §5.2.12 esm_class, §5.3.2.35 message_state, Appendix B
 * receipt text). Pure parsing: the session hands us the decoded short_message and the
 * TLVs, we say which message it is about and what happened to it.
 */

/**
 * Whether a deliver_sm/data_sm with this esm_class is a receipt rather than an MO
 * message. Bits 5–2 give the message type: 0x04 is an SMSC delivery receipt, 0x20 an
 * intermediate delivery notification (SMPP 3.4, e.g. "still enroute"), whose state then
 * maps to `pending`. SME acknowledgements (0x08, 0x10) come from the handset's
 * application, not the network, and are not receipts.
 */
export function isDeliveryReceipt(esmClass: number): boolean {
  const type = esmClass & 0x3c;
  return type === 0x04 || type === 0x20;
}

/** What a receipt means for the message: final (`delivered`, `undelivered`, `failed`) or not yet. */
export type ReceiptOutcome = 'delivered' | 'undelivered' | 'failed' | 'pending';

/** A receipt, normalised. */
export interface DeliveryReceipt {
  /** The SMSC message id as received (trimmed); look it up with messageIdCandidates. */
  messageId: string;
  /**
   * The state in its 7-letter receipt form (DELIVRD, UNDELIV, EXPIRED, DELETED, REJECTD,
   * UNKNOWN, ACCEPTD, ENROUTE, SKIPPED); an unrecognised stat upper-cased as given; ''
   * when neither the TLV nor the text gives one.
   */
  state: string;
  outcome: ReceiptOutcome;
  /** `err:` as given, or the network_error_code TLV's code as 3 decimal digits; null if absent. */
  errorCode: string | null;
  /** `submit date:`, read as UTC (the receipt carries no zone); null if absent or invalid. */
  submittedAt: Date | null;
  /** `done date:`, read as UTC; null if absent or invalid. */
  doneAt: Date | null;
  /** `dlvrd:` count; null if absent. */
  delivered: number | null;
  /** `sub:` count; null if absent. */
  submitted: number | null;
}

/** What the session passes in: the decoded short_message (or message_payload) and the TLVs. */
export interface ReceiptInput {
  text: string;
  tlvs: { receipted_message_id?: string; message_state?: number; network_error_code?: unknown };
}

/** message_state TLV values (SMPP 3.4 §5.3.2.35; 9 SKIPPED from SMPP 5.0). */
const TLV_STATES: Readonly<Record<number, string>> = {
  1: 'ENROUTE',
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  6: 'ACCEPTD',
  7: 'UNKNOWN',
  8: 'REJECTD',
  9: 'SKIPPED',
};

/** Full-word state names (the message_state names) some SMSCs write in `stat:`. */
const STATE_ALIASES: Readonly<Record<string, string>> = {
  DELIVERED: 'DELIVRD',
  UNDELIVERABLE: 'UNDELIV',
  UNDELIVERED: 'UNDELIV',
  ACCEPTED: 'ACCEPTD',
  REJECTED: 'REJECTD',
};

/**
 * SKIPPED (accepted, then deliberately not transmitted) is final and not delivered, like
 * DELETED. An unrecognised state stays `pending`: a status never moves back, so guessing
 * a final outcome could not be corrected by a later, clearer receipt.
 */
const OUTCOMES: Readonly<Record<string, ReceiptOutcome>> = {
  DELIVRD: 'delivered',
  UNDELIV: 'undelivered',
  EXPIRED: 'undelivered',
  DELETED: 'undelivered',
  SKIPPED: 'undelivered',
  REJECTD: 'failed',
  UNKNOWN: 'failed',
  ACCEPTD: 'pending',
  ENROUTE: 'pending',
};

/**
 * `key:` at the start or after a separator; case-insensitive; `submit date` may also be
 * written `submit_date` or `submitdate`; spaces may surround the colon.
 */
const KEY_PATTERN = /(?:^|[\s,;])(id|sub|dlvrd|submit[ _]?date|done[ _]?date|stat|err|text)\s*:/gi;

/** The text before its first C0 control character (NUL included), all of it if none. */
function beforeControl(text: string): string {
  for (let i = 0; i < text.length; i += 1) if (text.charCodeAt(i) < 0x20) return text.slice(0, i);
  return text;
}

/**
 * Reads `id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…` tolerantly:
 * any order, any subset, extra spaces; each value is its first word, except `text:`, which
 * runs to the next field name or the end. Some SMSCs put `text:` before `stat:` (or before
 * `id:`); when it swallowed the rest, such receipts lost their state or their id. The first
 * occurrence of a key wins, so a field name inside the text does not replace a real field
 * written before it.
 */
function parseReceiptText(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  const matches = [...text.matchAll(KEY_PATTERN)];
  for (let i = 0; i < matches.length; i += 1) {
    const match = matches[i];
    const name = match[1].toLowerCase().replace(/[ _]/g, '');
    const start = (match.index ?? 0) + match[0].length;
    const end = i + 1 < matches.length ? (matches[i + 1].index ?? text.length) : text.length;
    if (fields.has(name)) continue;
    if (name === 'text') {
      fields.set(name, text.slice(start, end).trim());
      continue;
    }
    // Up to the first space or control character: a NUL or other C0 octet some SMSCs leave
    // after a value made the receipt one PostgreSQL refused, redelivered for ever.
    const value = beforeControl(text.slice(start, end).trim().split(/\s+/)[0]);
    if (value !== '') fields.set(name, value);
  }
  return fields;
}

/** `YYMMDDhhmm`, `YYMMDDhhmmss` (20YY) or `YYYYMMDDhhmmss`, as UTC; null when not a real time. */
function parseReceiptDate(value: string | undefined): Date | null {
  if (value === undefined || !/^(\d{10}|\d{12}|\d{14})$/.test(value)) return null;
  const long = value.length === 14;
  const year = long ? Number(value.slice(0, 4)) : 2000 + Number(value.slice(0, 2));
  const [month, day, hour, minute, second = 0] = (
    value.slice(long ? 4 : 2).match(/\d\d/g) ?? []
  ).map(Number);
  if (hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const exact =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return exact ? date : null;
}

function parseCount(value: string | undefined): number | null {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
}

/**
 * The network_error_code TLV is 3 octets: network type, then a 2-octet error code. We keep
 * the code, zero-padded to 3 digits like `err:`; the network type is dropped.
 */
function tlvErrorCode(value: unknown): string | null {
  let code: number | null = null;
  if (value instanceof Uint8Array) {
    if (value.length >= 3) code = (value[1] << 8) | value[2];
    else if (value.length === 2) code = (value[0] << 8) | value[1];
  } else if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
    code = value;
  } else if (typeof value === 'string' && /^\d+$/.test(value.trim())) {
    return value.trim();
  }
  return code === null ? null : String(code).padStart(3, '0');
}

function canonicalState(stat: string | undefined): string {
  if (stat === undefined) return '';
  const upper = stat.toUpperCase();
  return STATE_ALIASES[upper] ?? upper;
}

/**
 * An id up to its first control character: node-smpp reads a `receipted_message_id` TLV that
 * lacks its NUL past the TLV's end, into the next TLV's octets (`1059\x04'`).
 */
function cleanId(id: string | undefined): string {
  return beforeControl(id ?? '').trim();
}

/**
 * Parses a delivery receipt. TLVs come first (receipted_message_id, message_state,
 * network_error_code), then the receipt text fills in what they leave out; the text alone
 * suffices for SMSCs that send no TLVs. Jasmin sends both, with a UUID id and no
 * sub/dlvrd/text fields.
 *
 * Outcome: DELIVRD → delivered; UNDELIV, EXPIRED, DELETED, SKIPPED → undelivered;
 * REJECTD, UNKNOWN → failed; ACCEPTD, ENROUTE, unknown or missing state → pending.
 *
 * @returns null when no message id can be found anywhere.
 */
export function parseDeliveryReceipt(input: ReceiptInput): DeliveryReceipt | null {
  const fields = parseReceiptText(input.text ?? '');
  const messageId = cleanId(input.tlvs.receipted_message_id) || cleanId(fields.get('id'));
  if (messageId === '') return null;
  const tlvState = input.tlvs.message_state;
  const state =
    tlvState !== undefined && TLV_STATES[tlvState] !== undefined
      ? TLV_STATES[tlvState]
      : canonicalState(fields.get('stat'));
  const err = fields.get('err');
  return {
    messageId,
    state,
    outcome: OUTCOMES[state] ?? 'pending',
    errorCode:
      tlvErrorCode(input.tlvs.network_error_code) ??
      (err !== undefined && /^[0-9a-z]+$/i.test(err) ? err : null),
    submittedAt: parseReceiptDate(fields.get('submitdate')),
    doneAt: parseReceiptDate(fields.get('donedate')),
    delivered: parseCount(fields.get('dlvrd')),
    submitted: parseCount(fields.get('sub')),
  };
}
