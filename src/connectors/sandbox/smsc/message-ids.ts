import { randomBytes, randomUUID } from 'node:crypto';

export type IdFormat = 'hex' | 'uuid';
export type DlrIdFormat = 'same' | 'decimal';

/** A new SMSC message id: 12 lowercase hex digits, or a UUID as Jasmin hands out. */
export function createMessageId(format: IdFormat): string {
  return format === 'uuid' ? randomUUID() : randomBytes(6).toString('hex');
}

/**
 * The id as the receipt quotes it. `decimal` rewrites a hex id in base 10, as SMSCs that
 * answer `submit_sm_resp` in hex but write receipts in decimal do (meaningful for `hex` ids).
 */
export function formatReceiptId(messageId: string, format: DlrIdFormat): string {
  if (format === 'same') return messageId;
  return BigInt(`0x${messageId.replace(/-/g, '')}`).toString(10);
}
