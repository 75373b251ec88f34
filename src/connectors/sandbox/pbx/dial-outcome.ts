/** What the far end of an outbound call does (API.md, Sandbox: magic destinations). */
export type DialOutcome = 'answer' | 'busy' | 'no-answer' | 'failed';

const MAGIC: Record<string, DialOutcome> = {
  '15005550005': 'busy',
  '15005550006': 'no-answer',
  '15005550007': 'failed',
};

/**
 * The number inside a dial string, whatever template produced it: `PJSIP/+15005550005@trunk`,
 * `PJSIP/trunk/sip:+15005550005@host`, `SIP/15005550005`. Takes the longest run of digits (with
 * an optional leading +); '' when there is none.
 */
export function parseDialedNumber(endpoint: string): string {
  const runs = endpoint.match(/\+?\d{3,}/g) ?? [];
  return runs.reduce((longest, run) => (run.length > longest.length ? run : longest), '');
}

/** The outcome for a dialled number; any number that is not magic answers. */
export function decideDialOutcome(number: string): DialOutcome {
  return MAGIC[number.replace(/^\+/, '')] ?? 'answer';
}

/**
 * Asterisk channel names look like `PJSIP/<endpoint>-<8 hex digits>`. The endpoint is the first
 * segment of `PJSIP/<endpoint>/<uri>`, else the part after `@` (`PJSIP/+1555@trunk`).
 */
export function channelNameFor(endpoint: string, sequence: number): string {
  const slash = endpoint.indexOf('/');
  const tech = slash > 0 ? endpoint.slice(0, slash) : 'PJSIP';
  const rest = slash > 0 ? endpoint.slice(slash + 1) : endpoint;
  const at = rest.lastIndexOf('@');
  const peer = rest.includes('/') || at < 0 ? rest.split('/')[0] : rest.slice(at + 1);
  return `${tech}/${peer || 'trunk'}-${sequence.toString(16).padStart(8, '0')}`;
}

/** `"Alice" <+15551234567>` or a bare number → name and number, as Asterisk splits caller ids. */
export function parseCallerId(callerId: string | undefined): { name: string; number: string } {
  if (!callerId) return { name: '', number: '' };
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$/.exec(callerId);
  if (match) return { name: match[1].trim(), number: match[2].trim() };
  return { name: '', number: callerId.trim() };
}
