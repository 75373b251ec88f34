import { decodeGsm7 } from './gsm7.js';
import { decodeUtf16Be } from './ucs2.js';

type Alphabet = 'gsm7' | 'ascii' | 'latin1' | 'ucs2';

/**
 * Which alphabet a data_coding value selects. SMPP 3.4 §5.2.19 defines 0x00–0x0E; above
 * that SMSCs pass the 3GPP TS 23.038 §4 Data Coding Scheme through, so its groups whose
 * alphabet is unambiguous are honoured too (flash SMS arrives as 0xF0 or 0x18, message
 * waiting indications as 0xC0–0xEF).
 */
function alphabetOf(dataCoding: number): Alphabet {
  switch (dataCoding) {
    case 0x00:
      return 'gsm7';
    case 0x01:
      return 'ascii';
    case 0x08:
      return 'ucs2';
  }
  // 0x10–0x1F: general group, uncompressed, with a message class; 0x40–0x5F: the same,
  // marked for automatic deletion (0x60–0x7F and 0x20–0x3F are compressed). Bits 3–2 =
  // alphabet.
  if ((dataCoding >= 0x10 && dataCoding <= 0x1f) || (dataCoding >= 0x40 && dataCoding <= 0x5f)) {
    const bits = (dataCoding >> 2) & 0x03;
    if (bits === 0) return 'gsm7';
    if (bits === 2) return 'ucs2';
    return 'latin1';
  }
  // 0xC0–0xDF: message waiting indication, GSM 7-bit; 0xE0–0xEF: the same in UCS-2.
  if (dataCoding >= 0xc0 && dataCoding <= 0xdf) return 'gsm7';
  if (dataCoding >= 0xe0 && dataCoding <= 0xef) return 'ucs2';
  // 0xF0–0xFF: message class; bit 2 clear = GSM 7-bit, set = 8-bit data.
  if (dataCoding >= 0xf0 && dataCoding <= 0xff)
    return (dataCoding & 0x04) === 0 ? 'gsm7' : 'latin1';
  return 'latin1';
}

/**
 * Decodes an SMPP short_message payload (WITHOUT its UDH; see parseUdh) to text.
 *
 * - 0 → GSM-7 unpacked, one septet per octet, with escapes (see decodeGsm7); a payload
 *   with any octet ≥ 0x80 (which no septet is) → Latin-1, the default alphabet of the
 *   SMSCs that send one.
 * - 1 → IA5 (ASCII), bit 7 ignored.
 * - 3 → Latin-1 (ISO-8859-1).
 * - 8 → UCS-2/UTF-16 big-endian; an odd trailing octet is ignored, a lone surrogate
 *   becomes U+FFFD.
 * - 3GPP DCS values above 0x0F whose alphabet is GSM-7 or UCS-2 decode as such.
 * - Anything else (binary 2/4, JIS 5, Cyrillic 6, Hebrew 7, Korean 14, 8-bit classes,
 *   compressed or reserved values) → Latin-1. Latin-1 maps every octet to exactly one
 *   character, so the result never throws, keeps one character per octet, and
 *   `Buffer.from(text, 'latin1')` gives back the original octets for anyone who needs
 *   to decode a charset we do not carry.
 */
export function decodeShortMessage(dataCoding: number, payload: Buffer): string {
  switch (alphabetOf(dataCoding)) {
    case 'gsm7':
      // Unpacked septets never set bit 7: an SMSC that sends such octets under data_coding 0
      // uses its own default alphabet, in practice ISO-8859-1 ("café" arrived as "cafi").
      if (dataCoding === 0 && payload.some((octet) => octet >= 0x80)) {
        return payload.toString('latin1');
      }
      return decodeGsm7(payload);
    case 'ascii':
      return payload.toString('ascii');
    case 'ucs2':
      return decodeUtf16Be(payload);
    case 'latin1':
      return payload.toString('latin1');
  }
}
