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

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** A text's size in code points, as messaging counts characters. */
export const codePoints = (text: string): number => [...text].length;

/** A text's size in UTF-8 bytes. */
export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * The longest head of `text` whose size (`sizeOf`: code points, bytes) is at most `limit`,
 * cut between graphemes: never inside a surrogate pair or an emoji sequence.
 */
export function headWithin(text: string, limit: number, sizeOf: (text: string) => number): string {
  if (sizeOf(text) <= limit) return text;
  let size = 0;
  let end = 0;
  for (const { segment } of graphemes.segment(text)) {
    size += sizeOf(segment);
    if (size > limit) break;
    end += segment.length;
  }
  return text.slice(0, end);
}

/** The longest head of `text` whose UTF-8 is at most `maxBytes`, never half a character. */
export const headWithinBytes = (text: string, maxBytes: number): string =>
  headWithin(text, maxBytes, utf8Bytes);
