import type { ReceiptStat } from './outcomes.js';

/** message_state TLV values (SMPP 3.4 §5.3.2.35) for the states the simulator reports. */
export const MESSAGE_STATE: Readonly<Record<ReceiptStat, number>> = { DELIVRD: 2, UNDELIV: 5 };

/** The `err:` each stat carries in the receipt text. */
const ERROR_CODES: Readonly<Record<ReceiptStat, string>> = { DELIVRD: '000', UNDELIV: '001' };

export interface ReceiptText {
  messageId: string;
  stat: ReceiptStat;
  submittedAt: Date;
  doneAt: Date;
  /** The part's text; the receipt quotes its first 20 characters. */
  text: string;
}

/**
 * The receipt text of SMPP 3.4 Appendix B, in the order Jasmin and most SMSCs write it:
 * `id:… sub:001 dlvrd:001 submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DELIVRD err:000 text:…`.
 * Characters outside printable ASCII in the quoted text become '?', so the receipt stays
 * plain GSM-7-safe octets whatever the message's own encoding.
 */
export function formatReceiptText(receipt: ReceiptText): string {
  const quoted = [...receipt.text]
    .slice(0, 20)
    .join('')
    .replace(/[^\x20-\x7e]/g, '?');
  return [
    `id:${receipt.messageId}`,
    'sub:001',
    `dlvrd:${receipt.stat === 'DELIVRD' ? '001' : '000'}`,
    `submit date:${formatReceiptDate(receipt.submittedAt)}`,
    `done date:${formatReceiptDate(receipt.doneAt)}`,
    `stat:${receipt.stat}`,
    `err:${ERROR_CODES[receipt.stat]}`,
    `text:${quoted}`,
  ].join(' ');
}

/** `YYMMDDhhmm` in UTC. */
export function formatReceiptDate(date: Date): string {
  const two = (value: number) => String(value).padStart(2, '0');
  return (
    two(date.getUTCFullYear() % 100) +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes())
  );
}

/**
 * Whether `registered_delivery` asks for this receipt: low bits 01 = every final outcome,
 * 10 = failures only (SMPP 3.4 §5.2.17); 00 = none.
 */
export function wantsReceipt(registeredDelivery: number, stat: ReceiptStat): boolean {
  const mode = registeredDelivery & 0x03;
  return mode === 1 || (mode === 2 && stat !== 'DELIVRD');
}
