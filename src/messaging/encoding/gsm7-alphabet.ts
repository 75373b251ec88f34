/**
 * The GSM 7-bit default alphabet and its default extension table, as printed in
 * 3GPP TS 23.038 §6.2.1 (V16). Only these two tables are used: national language
 * shift tables need a UDH element that many SMSCs and handsets ignore.
 *
 * Position 0x09 is CAPITAL C WITH CEDILLA (Ç), as the 3GPP table shows. The Unicode
 * Consortium's GSM0338.TXT "corrects" it to small ç; we follow the spec instead, so
 * decoding 0x09 yields `Ç`, and only `Ç` encodes to 0x09. A small `ç` is therefore not a
 * GSM-7 character and sends the message as UCS-2: mapping it to 0x09 would silently
 * capitalise the recipient's text.
 */

/** The escape septet to the extension table; never a character a user can type. */
export const ESC = 0x1b;

/** Placeholder kept at 0x1B so the basic table stays indexable by septet value. */
const ESC_SLOT = '\u001b';

/** Septet value → character (index = septet). Entry 0x1B is the escape, not a character. */
// prettier-ignore
export const GSM7_BASIC: readonly string[] = [
  // 0x00
  '@', '\u00a3', '$', '\u00a5', '\u00e8', '\u00e9', '\u00f9', '\u00ec',
  '\u00f2', '\u00c7', '\n', '\u00d8', '\u00f8', '\r', '\u00c5', '\u00e5',
  // 0x10: Δ _ Φ Γ Λ Ω Π Ψ Σ Θ Ξ ESC Æ æ ß É
  '\u0394', '_', '\u03a6', '\u0393', '\u039b', '\u03a9', '\u03a0', '\u03a8',
  '\u03a3', '\u0398', '\u039e', ESC_SLOT, '\u00c6', '\u00e6', '\u00df', '\u00c9',
  // 0x20 (0x24 is the currency sign ¤, not $)
  ' ', '!', '"', '#', '\u00a4', '%', '&', "'",
  '(', ')', '*', '+', ',', '-', '.', '/',
  // 0x30
  '0', '1', '2', '3', '4', '5', '6', '7',
  '8', '9', ':', ';', '<', '=', '>', '?',
  // 0x40 (0x40 is ¡, not @)
  '\u00a1', 'A', 'B', 'C', 'D', 'E', 'F', 'G',
  'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
  // 0x50: ... Ä Ö Ñ Ü §
  'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W',
  'X', 'Y', 'Z', '\u00c4', '\u00d6', '\u00d1', '\u00dc', '\u00a7',
  // 0x60 (0x60 is ¿)
  '\u00bf', 'a', 'b', 'c', 'd', 'e', 'f', 'g',
  'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  // 0x70: ... ä ö ñ ü à
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w',
  'x', 'y', 'z', '\u00e4', '\u00f6', '\u00f1', '\u00fc', '\u00e0',
];

/**
 * Extension table: septet after ESC → character. Every other value after ESC is
 * undefined; a receiver shows the basic-table character instead (TS 23.038 §6.2.1.1),
 * except 0x1B, reserved for a further extension table, which it shows as a space.
 */
export const GSM7_EXTENSION: ReadonlyMap<number, string> = new Map([
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '\u20ac'],
]);

function buildEncodeTable(): ReadonlyMap<string, readonly number[]> {
  const table = new Map<string, readonly number[]>();
  GSM7_BASIC.forEach((char, septet) => {
    if (septet !== ESC) table.set(char, [septet]);
  });
  for (const [septet, char] of GSM7_EXTENSION) table.set(char, [ESC, septet]);
  return table;
}

/**
 * Character → the septets that encode it: one for the basic table, two (ESC, code)
 * for the extension table. Characters absent from both have no entry.
 */
export const GSM7_ENCODE: ReadonlyMap<string, readonly number[]> = buildEncodeTable();
