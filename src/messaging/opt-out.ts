/**
 * Opt-out keywords (CTIA / Twilio conventions): a message that is exactly one of these words,
 * in any case and with surrounding spaces or punctuation, changes the sender's consent for the
 * project number it texted.
 */
export type Keyword = 'stop' | 'start' | 'help';

const STOP = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
const START = new Set(['START', 'YES', 'UNSTOP']);
const HELP = new Set(['HELP', 'INFO']);

export function keywordOf(body: string): Keyword | null {
  // Punctuation and spaces around the word do not hide it ("STOP.", "(STOP)", "¡STOP!"): an
  // opt-out is honoured whenever it is plainly meant; a word inside a longer text is not one.
  const word = body.replace(/^[\p{P}\p{Z}\s]+|[\p{P}\p{Z}\s]+$/gu, '').toUpperCase();
  if (!/^[A-Z]+$/.test(word)) return null;
  if (STOP.has(word)) return 'stop';
  if (START.has(word)) return 'start';
  if (HELP.has(word)) return 'help';
  return null;
}

/** The automatic replies; a number's `help_text` replaces the HELP reply. */
export const AUTO_REPLIES: Record<Keyword, string> = {
  stop: 'You have been unsubscribed and will receive no more messages from this number. Reply START to resubscribe.',
  start: 'You have been resubscribed. Reply STOP to unsubscribe.',
  help: 'Reply STOP to unsubscribe, START to resubscribe.',
};
