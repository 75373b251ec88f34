// Built at run time: the `v` flag (Unicode sets) is newer than the compiler's ES2022 target.
const RGI_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');
const SINGLE_PICTOGRAPH = /^\p{Extended_Pictographic}\u{FE0F}?$/u;

/**
 * True when `value` is exactly one emoji: any RGI emoji, including multi-code-point
 * sequences (skin tones, ZWJ families, flags, keycaps), or a single pictograph with optional
 * emoji presentation selector. Text, several emoji and padding are refused (a lone skin-tone
 * modifier is an RGI emoji component and passes).
 */
export function isEmoji(value: string): boolean {
  if (value.length === 0 || value.length > 32) return false;
  return RGI_EMOJI.test(value) || SINGLE_PICTOGRAPH.test(value);
}
