import { isValidPhoneNumber } from 'libphonenumber-js';

/** SMPP type of number (TON) values used by Trunkline. */
export const TON = { unknown: 0, international: 1, alphanumeric: 5 } as const;
/** SMPP numbering plan indicator (NPI) values used by Trunkline. */
export const NPI = { unknown: 0, isdn: 1 } as const;

/** An address as it travels in a PDU. */
export interface SmppAddress {
  ton: number;
  npi: number;
  addr: string;
}

/**
 * Our address → SMPP: an E.164 `+14155550199` goes as `14155550199` TON 1 / NPI 1; digits
 * without '+' (short codes, national numbers) as TON 0 / NPI 1, letting the SMSC interpret
 * them; anything else is an alphanumeric sender id, TON 5 / NPI 0.
 */
export function toSmppAddress(value: string): SmppAddress {
  if (/^\+\d+$/.test(value)) {
    return { ton: TON.international, npi: NPI.isdn, addr: value.slice(1) };
  }
  if (/^\d+$/.test(value)) return { ton: TON.unknown, npi: NPI.isdn, addr: value };
  return { ton: TON.alphanumeric, npi: NPI.unknown, addr: value };
}

/**
 * SMPP → our address: restores the '+' of E.164 numbers, which travel without it. A number
 * gets it when its TON is international, or when its TON is unknown yet the digits form a
 * valid E.164 number (SMSCs often forward MO with TON 0). Others come back unchanged.
 */
export function fromSmppAddress(ton: number, addr: string): string {
  if (!/^\d+$/.test(addr)) return addr;
  if (ton === TON.international) return `+${addr}`;
  if (ton === TON.unknown && addr.length >= 8 && isValidPhoneNumber(`+${addr}`)) return `+${addr}`;
  return addr;
}
