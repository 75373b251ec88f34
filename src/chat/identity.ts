/**
 * A chat identity: the app's own user id. It starts with a letter, digit or underscore, so it
 * never collides with an SMS participant, whose identity is its E.164 number ("+1415...").
 */
export const IDENTITY_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:@-]{0,127}$/;

/** True for a valid chat identity. */
export function isChatIdentity(value: string): boolean {
  return IDENTITY_PATTERN.test(value);
}

/** The key that makes a direct conversation unique per pair, whatever the order given. */
export function directKeyOf(a: string, b: string): string {
  return [a, b].sort().join('\n');
}
