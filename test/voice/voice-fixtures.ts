import { readFileSync } from 'node:fs';
import { newCallRow, type CallRow } from '../../src/voice/calls.store.js';
import { eventually, type clientFor } from '../support/http.js';

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

/** A flow that prompts for a key and hangs up after a 1; it waits 30 s for it. */
export const GATHER_THEN_BYE = {
  start: 'menu',
  steps: {
    menu: {
      verb: 'gather',
      timeout: 30,
      prompt: { verb: 'play', url: 'sound:press-one' },
      branches: { '1': 'bye' },
    },
    bye: { verb: 'hangup' },
  },
};

export type Api = ReturnType<typeof clientFor>;

/** Waits until the call reaches `status`; resolves with the call as `GET /v1/calls/{id}` shows it. */
export function callInStatus(api: Api, callId: string, status: string, timeoutMs = 8000) {
  return eventually(async () => {
    const res = await api('GET', `/v1/calls/${callId}`);
    return res.body.status === status ? res.body : undefined;
  }, timeoutMs);
}

/** The id of the inbound call to `did`, once the API lists it. */
export function inboundCallTo(api: Api, did: string): Promise<string> {
  return eventually(async () => {
    const res = await api<{ data: { id: string; to: string }[] }>(
      'GET',
      '/v1/calls?direction=inbound',
    );
    return res.body.data.find((c) => c.to === did)?.id;
  });
}

/** A queued outbound call row for tests that write calls directly (no API). */
export function queuedCallRow(
  id: string,
  projectId: string,
  options: { at?: Date; statusCallback?: string | null } = {},
): CallRow {
  return newCallRow(
    {
      id,
      project_id: projectId,
      direction: 'outbound',
      to_addr: '+14155550100',
      from_addr: '+14155550101',
      flow_id: null,
      flow_version: null,
      flow_definition: { start: 'a', steps: { a: { verb: 'hangup' } } } as never,
      status_callback: options.statusCallback ?? null,
    },
    options.at ?? new Date(),
  );
}
