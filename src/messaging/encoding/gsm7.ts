import { ESC, GSM7_BASIC, GSM7_ENCODE, GSM7_EXTENSION } from './gsm7-alphabet.js';

/**
 * Splits text into GSM-7 septet groups, one group per character: `[code]` for the basic
 * table, `[ESC, code]` for the extension table. A group is the smallest unit a segmenter
 * may move to the next part, so an escape pair is never split.
 *
 * @returns null when any character is in neither table (the text needs UCS-2).
 */
export function toGsm7Groups(text: string): Array<readonly number[]> | null {
  const groups: Array<readonly number[]> = [];
  for (const char of text) {
    const septets = GSM7_ENCODE.get(char);
    if (septets === undefined) return null;
    groups.push(septets);
  }
  return groups;
}

/**
 * Decodes unpacked GSM-7 (one septet per octet, as SMPP carries it) to text.
 *
 * - ESC + an extension code gives the extension character.
 * - ESC + an undefined code gives the basic-table character for that code, and ESC ESC
 *   (reserved for a further extension table) gives a space: TS 23.038 §6.2.1.1 tells a
 *   receiver to display exactly that.
 * - A trailing lone ESC is dropped: it carries no character.
 * - Bit 7 of each octet is ignored (a septet has 7 bits), the same way Node's `ascii`
 *   decoding treats 7-bit data; an SMSC that sets it is out of spec.
 */
export function decodeGsm7(payload: Uint8Array): string {
  let text = '';
  for (let i = 0; i < payload.length; i += 1) {
    const septet = payload[i] & 0x7f;
    if (septet !== ESC) {
      text += GSM7_BASIC[septet];
      continue;
    }
    if (i + 1 >= payload.length) break;
    i += 1;
    const code = payload[i] & 0x7f;
    text += code === ESC ? ' ' : (GSM7_EXTENSION.get(code) ?? GSM7_BASIC[code]);
  }
  return text;
}
