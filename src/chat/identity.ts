import { refuseField } from '../platform/index.js';

/**
 * A chat identity: the app's own user id. It starts with a letter, digit or underscore, so it
 * never collides with an SMS participant, whose identity is its E.164 number ("+1415...").
 */
export const IDENTITY_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:@-]{0,127}$/;

/**
 * The author of the operator's messages when the API key names none. No user may be it: a
 * token for it could edit and delete the operator's messages as their author, so it is
 * refused for tokens and members (and a token for it minted earlier is not a credential).
 */
export const OPERATOR_AUTHOR = 'system';

/** True for an identity no user may take (see `OPERATOR_AUTHOR`). */
export function isReservedIdentity(value: string): boolean {
  return value === OPERATOR_AUTHOR;
}

/** Refuses a reserved identity where a user or member is named: 422 reserved_identity. */
export function refuseReservedIdentity(path: string, identity: string): void {
  if (isReservedIdentity(identity)) {
    refuseField(
      path,
      'reserved_identity',
      `The identity ${identity} is reserved for the operator.`,
    );
  }
}

/** True for a valid chat identity. */
export function isChatIdentity(value: string): boolean {
  return IDENTITY_PATTERN.test(value);
}

/** The key that makes a direct conversation unique per pair, whatever the order given. */
export function directKeyOf(a: string, b: string): string {
  return [a, b].sort().join('\n');
}
