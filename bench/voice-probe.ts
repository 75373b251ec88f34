import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';

/**
 * Watches the sandbox PBX from inside the benchmark process (it runs there, started by
 * `voice-platform.ts`; the orchestrator is another process) and measures the orchestrator's command latency where Asterisk would see it:
 * from the ARI event the PBX sends to the next ARI request it receives for the same channel.
 *
 * Events are seen by wrapping `ws`'s `WebSocket.prototype.send` (the PBX's event hub is the
 * only code in the process that sends text frames while the voice suite runs); requests by
 * node's `http.server.request.start` diagnostics channel. Both are undone by `stop()`.
 */

/** ARI events after which the orchestrator must send a request (the next step of the call). */
const TRIGGERS = new Set(['StasisStart', 'PlaybackFinished', 'ChannelDtmfReceived']);
const CHANNEL_KEY = '"channel":{"id":"';
const TARGET_KEY = '"target_uri":"channel:';
const CHANNEL_PATH = '/ari/channels/';

/** An ARI event as the PBX sent it: its type and the channel it concerns. */
export type AriEventListener = (type: string, channelId: string | null) => void;

export interface AriProbe {
  /** Keeps latency samples only while on (a measurement window). */
  record(on: boolean): void;
  /** Latency samples (ms) kept so far, by the type of the event that triggered the request. */
  samples(): Map<string, number[]>;
  /** Forgets the samples kept so far. */
  clear(): void;
  /** Called synchronously inside the PBX's send: listeners must defer their own work. */
  onEvent(listener: AriEventListener): void;
  /** ARI events sent and REST requests received since the probe started. */
  counts(): { events: number; requests: number };
  stop(): void;
}

function valueAfter(text: string, key: string): string | null {
  const start = text.indexOf(key);
  if (start < 0) return null;
  const from = start + key.length;
  const end = text.indexOf('"', from);
  return end < 0 ? null : text.slice(from, end);
}

function channelOfEvent(text: string): string | null {
  return valueAfter(text, CHANNEL_KEY) ?? valueAfter(text, TARGET_KEY);
}

function channelOfRequest(url: string): string | null {
  if (!url.startsWith(CHANNEL_PATH)) return null;
  const rest = url.slice(CHANNEL_PATH.length);
  const end = rest.search(/[/?]/);
  return decodeURIComponent(end < 0 ? rest : rest.slice(0, end));
}

export function startAriProbe(): AriProbe {
  const pending = new Map<string, { at: number; type: string }>();
  let samples = new Map<string, number[]>();
  const listeners: AriEventListener[] = [];
  let recording = false;
  let events = 0;
  let requests = 0;

  function onSent(text: string): void {
    if (!text.startsWith('{"type":"')) return;
    events += 1;
    const at = performance.now();
    const type = text.slice(9, text.indexOf('"', 9));
    const channelId = channelOfEvent(text);
    if (channelId !== null) {
      if (TRIGGERS.has(type)) pending.set(channelId, { at, type });
      else if (type === 'ChannelDestroyed') pending.delete(channelId);
    }
    for (const listener of listeners) listener(type, channelId);
  }

  function onRequest(message: unknown): void {
    const { request } = message as { request: IncomingMessage };
    const url = request.url ?? '';
    if (!url.startsWith('/ari/')) return;
    requests += 1;
    const channelId = channelOfRequest(url);
    const trigger = channelId === null ? undefined : pending.get(channelId);
    if (!trigger) return;
    pending.delete(channelId!);
    if (!recording) return;
    const list = samples.get(trigger.type) ?? [];
    list.push(performance.now() - trigger.at);
    samples.set(trigger.type, list);
  }

  const originalSend = WebSocket.prototype.send;
  WebSocket.prototype.send = function probedSend(this: WebSocket, data: unknown, ...rest: never[]) {
    if (typeof data === 'string') onSent(data);
    return (originalSend as (...args: unknown[]) => void).call(this, data, ...rest);
  } as typeof originalSend;
  subscribe('http.server.request.start', onRequest);

  return {
    record(on) {
      recording = on;
    },
    samples: () => samples,
    clear() {
      samples = new Map();
    },
    onEvent(listener) {
      listeners.push(listener);
    },
    counts: () => ({ events, requests }),
    stop() {
      WebSocket.prototype.send = originalSend;
      unsubscribe('http.server.request.start', onRequest);
      listeners.length = 0;
      pending.clear();
    },
  };
}
