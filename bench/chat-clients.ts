import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { WebSocket } from 'ws';
import { createResumeWatch, type ResumeFigures, type ResumeSpec } from './chat-resume.js';
import { percentile } from './support/stats.js';

/**
 * The chat suite's load generator, in a child process of its own so the clients do not share
 * an event loop with a server they measure: opens every WebSocket client, posts messages at a
 * fixed rate (round robin over the conversations and the API targets), and times each
 * message from the start of its POST to its arrival at every member. The send time is found
 * through the message's `client_id` (`b<n>`). Reads its spec as JSON on stdin, prints the
 * ChatLoadResult as JSON on stdout.
 */

const self = fileURLToPath(import.meta.url);
const MESSAGE_TYPE = Buffer.from('{"type":"conversation.message.created"');
const CLIENT_ID = Buffer.from('"client_id":"b');
const READY = Buffer.from('{"type":"ready"');
const CONNECT_BATCH = 50;

export interface ClientSpec {
  /** `http://127.0.0.1:<port>` of the server this client connects to. */
  url: string;
  token: string;
  /** Index into `conversations`. */
  conversation: number;
}

export interface ChatLoadSpec {
  clients: ClientSpec[];
  /** Conversation ids; message n goes to conversation n mod length. */
  conversations: string[];
  /** Where messages are posted, alternately (base URL and Authorization header). */
  targets: { url: string; authorization: string }[];
  rate: number;
  warmupSeconds: number;
  seconds: number;
  /** Longest wait for the last deliveries after the last POST. */
  drainMs: number;
  resume: ResumeSpec | null;
}

export interface ChatLoadResult {
  connected: number;
  connectMs: number;
  /**
   * Messages posted in the measured window, answered 201, and the other answers; the rate
   * runs to the end of the window or to the last 201, whichever is later.
   */
  posted: number;
  accepted: number;
  refused: Record<string, number>;
  acceptedPerSec: number;
  postP50: number;
  postP99: number;
  /** Deliveries of the window's accepted messages: received and expected (members × messages). */
  delivered: number;
  expected: number;
  /** Deliveries that came twice or more to the same client (all messages). */
  duplicates: number;
  /** Deliveries per second, to the end of the window or to the last delivery if later. */
  deliveriesPerSec: number;
  fanoutP50: number;
  fanoutP99: number;
  fanoutMax: number;
  /** This process's CPU as a share of one core, and its event-loop delay p99 (ms), in the window. */
  clientCpuShare: number;
  clientLoopP99: number;
  resume: ResumeFigures | null;
}

function wsUrlOf(client: ClientSpec): string {
  return `${client.url.replace(/^http/, 'ws')}/v1/realtime?token=${encodeURIComponent(client.token)}`;
}

/** The n of `"client_id":"b<n>"` in a frame, or -1. */
function messageIndexOf(data: Buffer): number {
  const at = data.indexOf(CLIENT_ID);
  if (at < 0) return -1;
  let n = 0;
  for (let i = at + CLIENT_ID.length; i < data.length; i += 1) {
    const digit = data[i] - 48;
    if (digit < 0 || digit > 9) break;
    n = n * 10 + digit;
  }
  return n;
}

function openSocket(url: string, onFrame: (data: Buffer) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
    ws.on('message', (data: Buffer) => {
      if (data.subarray(0, READY.length).equals(READY)) resolve(ws);
      onFrame(data);
    });
    ws.on('error', reject);
    ws.once('close', (code) => reject(new Error(`socket closed with ${code} before ready`)));
  });
}

async function run(spec: ChatLoadSpec): Promise<ChatLoadResult> {
  const total = spec.rate * (spec.warmupSeconds + spec.seconds);
  const firstMeasured = spec.rate * spec.warmupSeconds;
  const members = spec.clients.filter((c) => c.conversation === 0).length;
  const sentAt = new Float64Array(total);
  const accepted = new Uint8Array(total);
  const deliveries = new Uint16Array(total);
  /** Which messages each client saw, to count duplicates (bit per message). */
  const seen = spec.clients.map(() => new Uint8Array(total));
  const latencies = new Float64Array(total * members + 1);
  let latencyCount = 0;
  let lastDelivery = 0;
  let duplicates = 0;
  const resume = spec.resume ? createResumeWatch(spec.resume, spec.conversations) : null;

  const onFrame = (client: number, data: Buffer) => {
    if (client === spec.resume?.client) resume!.observe(data);
    if (!data.subarray(0, MESSAGE_TYPE.length).equals(MESSAGE_TYPE)) return;
    const n = messageIndexOf(data);
    if (n < 0 || n >= total) return;
    if (seen[client][n]) duplicates += 1;
    seen[client][n] = 1;
    deliveries[n] += 1;
    if (n < firstMeasured) return;
    lastDelivery = performance.now();
    if (client !== spec.resume?.client) latencies[latencyCount++] = lastDelivery - sentAt[n];
  };

  const connectStarted = performance.now();
  const sockets: WebSocket[] = [];
  for (let i = 0; i < spec.clients.length; i += CONNECT_BATCH) {
    const batch = spec.clients.slice(i, i + CONNECT_BATCH);
    const opened = await Promise.all(
      batch.map((c, j) => openSocket(wsUrlOf(c), (data) => onFrame(i + j, data))),
    );
    sockets.push(...opened);
  }
  const connectMs = performance.now() - connectStarted;
  process.stderr.write(`chat clients: ${sockets.length} connected in ${connectMs.toFixed(0)} ms\n`);
  await sleep(1_000);

  const pools = spec.targets.map((t) => new Pool(t.url, { connections: 32 }));
  const postLatencies: number[] = [];
  let lastAnswer = 0;
  const refused: Record<string, number> = {};
  const inFlight = new Set<Promise<void>>();
  const post = (n: number) => {
    const conversation = n % spec.conversations.length;
    const target = n % spec.targets.length;
    const body = JSON.stringify({
      body: `Benchmark message ${n}, hello from Trunkline`,
      client_id: `b${n}`,
    });
    sentAt[n] = performance.now();
    const done = pools[target]
      .request({
        method: 'POST',
        path: `/v1/conversations/${spec.conversations[conversation]}/messages`,
        headers: {
          authorization: spec.targets[target].authorization,
          'content-type': 'application/json',
        },
        body,
      })
      .then(async (res) => {
        const text = await res.body.text();
        if (res.statusCode !== 201) {
          refused[res.statusCode] = (refused[res.statusCode] ?? 0) + 1;
          return;
        }
        accepted[n] = 1;
        lastAnswer = performance.now();
        if (n >= firstMeasured) postLatencies.push(lastAnswer - sentAt[n]);
        resume?.posted(conversation, text);
      })
      .catch(() => {
        refused.error = (refused.error ?? 0) + 1;
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };

  const loop = monitorEventLoopDelay({ resolution: 10 });
  let cpu0 = process.cpuUsage();
  const started = performance.now();
  const windowStart = started + spec.warmupSeconds * 1000;
  let windowOpen = false;
  let next = 0;
  resume?.schedule(windowStart + (spec.seconds * 1000) / 2, sockets, onFrame);
  while (next < total) {
    const now = performance.now();
    if (!windowOpen && now >= windowStart) {
      windowOpen = true;
      loop.enable();
      cpu0 = process.cpuUsage();
    }
    const due = Math.min(total, Math.floor(((now - started) / 1000) * spec.rate) + 1);
    while (next < due) post(next++);
    await sleep(2);
  }
  const windowMs = performance.now() - windowStart;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  await Promise.all([...inFlight]);

  const expectedOf = () => {
    let expected = 0;
    for (let n = firstMeasured; n < total; n += 1) if (accepted[n]) expected += members;
    return expected;
  };
  const deliveredOf = () => {
    let delivered = 0;
    for (let n = firstMeasured; n < total; n += 1) if (accepted[n]) delivered += deliveries[n];
    return delivered;
  };
  const drainUntil = performance.now() + spec.drainMs;
  while (deliveredOf() < expectedOf() && performance.now() < drainUntil) await sleep(50);
  const resumeFigures = resume ? await resume.finish(spec.drainMs) : null;
  for (const ws of sockets) ws.terminate();
  resume?.close();
  await Promise.all(pools.map((p) => p.close()));

  const measured = latencies.subarray(0, latencyCount);
  const sorted = Float64Array.from(measured).sort();
  const acceptedCount = accepted.subarray(firstMeasured).reduce((a, b) => a + b, 0);
  return {
    connected: sockets.length,
    connectMs,
    posted: total - firstMeasured,
    accepted: acceptedCount,
    refused,
    acceptedPerSec: (acceptedCount * 1000) / Math.max(windowMs, lastAnswer - windowStart),
    postP50: percentile(postLatencies, 50),
    postP99: percentile(postLatencies, 99),
    delivered: deliveredOf(),
    expected: expectedOf(),
    duplicates,
    deliveriesPerSec: (deliveredOf() * 1000) / Math.max(windowMs, lastDelivery - windowStart),
    fanoutP50: sorted.length ? sorted[Math.ceil(sorted.length * 0.5) - 1] : Number.NaN,
    fanoutP99: sorted.length ? sorted[Math.ceil(sorted.length * 0.99) - 1] : Number.NaN,
    fanoutMax: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
    clientCpuShare: (cpu.user + cpu.system) / 1000 / windowMs,
    clientLoopP99: loop.percentile(99) / 1e6,
    resume: resumeFigures,
  };
}

/** Runs the clients in a child process; it is killed if it overruns its own bounds by 60 s. */
export function runChatClients(spec: ChatLoadSpec): Promise<ChatLoadResult> {
  const forbidden = [...spec.clients, ...spec.targets].find(
    (x) => !x.url.startsWith('http://127.0.0.1:'),
  );
  if (forbidden)
    return Promise.reject(new Error(`Benchmarks only talk to 127.0.0.1, not ${forbidden.url}.`));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', self], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const boundMs = (spec.warmupSeconds + spec.seconds + 60) * 1000 + 2 * spec.drainMs;
    const limit = setTimeout(() => child.kill('SIGKILL'), boundMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(limit);
      if (code !== 0) return reject(new Error(`chat clients exited with ${code}`));
      try {
        resolve(JSON.parse(output) as ChatLoadResult);
      } catch (err) {
        reject(err as Error);
      }
    });
    child.stdin.end(JSON.stringify(spec));
  });
}

async function main(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const result = await run(JSON.parse(input) as ChatLoadSpec);
  process.stdout.write(JSON.stringify(result));
}

if (process.argv[1] === self) {
  main().then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`chat clients failed: ${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
}
