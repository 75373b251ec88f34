import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';

export type AriMessage = Record<string, unknown> & { type: string };

/** A raw ARI event socket on the sandbox PBX that records what it receives. */
export async function openEvents(port: number, authorization: string, app = 'trunkline') {
  const messages: AriMessage[] = [];
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ari/events?app=${app}`, {
    headers: { authorization },
  });
  ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as AriMessage));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  async function waitFor(type: string, match: (m: AriMessage) => boolean = () => true) {
    for (let waited = 0; waited < 2000; waited += 5) {
      const found = messages.find((message) => message.type === type && match(message));
      if (found) return found;
      await sleep(5);
    }
    throw new Error(`no ${type} in ${JSON.stringify(messages.map((m) => m.type))}`);
  }
  const close = () =>
    new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close();
    });
  return { ws, messages, waitFor, close };
}

export type EventSocket = Awaited<ReturnType<typeof openEvents>>;

/** True when `value` is an object whose `id` (or `name`) is `id`. */
export function hasId(value: unknown, id: string): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as { id?: unknown; name?: unknown };
  return record.id === id || record.name === id;
}
