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
