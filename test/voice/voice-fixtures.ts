import { readFileSync } from 'node:fs';

/** A flow from `flows/examples/`, parsed. */
export function exampleFlow(name: 'ivr-menu' | 'voicemail' | 'appointment-reminder') {
  const url = new URL(`../../flows/examples/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown> & {
    steps: Record<string, Record<string, unknown>>;
  };
}

/** A fresh E.164 number in the +1 555 range (possible, never magic). */
export function uniqueNumber(): string {
  return `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
}

/** A one-step flow that says something and ends. */
export const SAY_AND_END = {
  start: 'hello',
  steps: { hello: { verb: 'say', text: 'Hello.', next: 'bye' }, bye: { verb: 'hangup' } },
};
