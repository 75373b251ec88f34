/**
 * Text PostgreSQL can store: its `text` and `jsonb` cannot hold U+0000, so each NUL becomes
 * U+FFFD (the replacement character, as an invalid UTF-8 byte already decodes to). For text
 * that comes from outside and must be kept whatever it holds: an inbound SMS (8-bit and
 * UCS-2 messages may carry NUL), a webhook receiver's answer.
 */
export function storableText(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}
