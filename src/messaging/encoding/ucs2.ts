/**
 * UCS-2 as SMS uses it today: UTF-16 big-endian, so characters beyond the BMP (emoji)
 * travel as surrogate pairs and count two code units.
 */

const REPLACEMENT = 0xfffd;

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/**
 * Splits text into UTF-16 code-unit groups: a surrogate pair is one group of two, every
 * other code unit (a lone surrogate included) a group of one. A segmenter moves whole
 * groups, so a pair is never split across parts.
 */
export function toUtf16Groups(text: string): Array<readonly number[]> {
  const groups: Array<readonly number[]> = [];
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    const next = i + 1 < text.length ? text.charCodeAt(i + 1) : -1;
    if (isHighSurrogate(unit) && isLowSurrogate(next)) {
      groups.push([unit, next]);
      i += 1;
    } else {
      groups.push([unit]);
    }
  }
  return groups;
}

/** Writes code units big-endian, two octets each, verbatim. */
export function encodeUtf16Be(units: readonly number[]): Buffer {
  const buffer = Buffer.alloc(units.length * 2);
  units.forEach((unit, index) => buffer.writeUInt16BE(unit, index * 2));
  return buffer;
}

/**
 * Decodes UTF-16 big-endian octets. An odd trailing octet cannot form a code unit and is
 * ignored; a lone surrogate becomes U+FFFD so the result is always well-formed text
 * (safe for JSON webhooks and Postgres).
 */
export function decodeUtf16Be(payload: Uint8Array): string {
  const count = Math.floor(payload.length / 2);
  const units: number[] = [];
  for (let i = 0; i < count; i += 1) units.push((payload[2 * i] << 8) | payload[2 * i + 1]);
  let text = '';
  for (let i = 0; i < units.length; i += 1) {
    const unit = units[i];
    if (isHighSurrogate(unit) && i + 1 < units.length && isLowSurrogate(units[i + 1])) {
      text += String.fromCharCode(unit, units[i + 1]);
      i += 1;
    } else if (isHighSurrogate(unit) || isLowSurrogate(unit)) {
      text += String.fromCharCode(REPLACEMENT);
    } else {
      text += String.fromCharCode(unit);
    }
  }
  return text;
}
