import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * The E.164 form of a phone number, or null when it cannot be one. Requires a leading `+`
 * (we never guess a country) and a length possible for that country (libphonenumber-js), so
 * test ranges such as +1 500 555 0001 pass while "+123" or "+1 (415) 555" do not.
 */
export function toE164(value: string): string | null {
  if (!/^\+[0-9 ()./-]{6,25}$/.test(value)) return null;
  const parsed = parsePhoneNumberFromString(value);
  if (!parsed || !parsed.isPossible()) return null;
  return parsed.number;
}

/**
 * An address as a provider wrote it, in our form: a phone number becomes E.164 with its '+'
 * (providers write `15556624402`, ` +1 (555) 662-4402 `); anything else (an alphanumeric
 * sender, a short code of fewer than 8 digits) comes back trimmed. An MO whose sender lost
 * its '+' was stored under another address, so a STOP from it opted out nobody we send to.
 */
export function normalizeProviderAddress(value: string): string {
  const text = value.trim();
  const digits = text.replace(/[ ()./-]/g, '');
  if (/^\+?[0-9]{8,15}$/.test(digits)) {
    return toE164(digits.startsWith('+') ? digits : `+${digits}`) ?? text;
  }
  return text;
}

/** An alphanumeric sender id: 1–11 letters, digits and spaces with at least one letter. */
export function isAlphanumericSender(value: string): boolean {
  return /^[A-Za-z0-9 ]{1,11}$/.test(value) && /[A-Za-z]/.test(value);
}
