/**
 * Text PostgreSQL can store: its `text` and `jsonb` cannot hold U+0000, and a JSON parameter
 * cannot carry half of a surrogate pair (`\ud800` is refused when read as text), so each NUL
 * and each lone surrogate becomes U+FFFD (the replacement character, as an invalid UTF-8
 * byte already decodes to). For text that comes from outside and must be kept whatever it
 * holds: an inbound SMS (8-bit and UCS-2 messages may carry NUL), a webhook receiver's answer.
 */
export function storableText(text: string): string {
  const whole = text.isWellFormed() ? text : text.toWellFormed();
  return whole.includes('\u0000') ? whole.replaceAll('\u0000', '\uFFFD') : whole;
}

/** The longest head of `text` whose UTF-8 is at most `maxBytes`, never half a character. */
export function headWithinBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const character of text) {
    bytes += Buffer.byteLength(character, 'utf8');
    if (bytes > maxBytes) break;
    end += character.length;
  }
  return text.slice(0, end);
}
