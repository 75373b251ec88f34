import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startBareChatServer } from './chat-ceiling.js';
import { runChatClients, type ChatLoadResult, type ClientSpec } from './chat-clients.js';
import { buildChatReport } from './chat-report.js';
import { startApiProcess } from './chat-server.js';
import { withPlatform } from './support/platform.js';
import type { SuiteReport } from './support/report.js';
import { progress } from './support/stats.js';
import type { BenchSettings } from './support/settings.js';

/**
 * `chat` (issue #6): realtime fan-out across two API processes. 1,000 WebSocket clients in
 * 10 group conversations of 100 members, half of each conversation on each instance; messages
 * posted at a fixed rate (alternately to each instance) and timed from the POST to every
 * member; one member cut mid-run resumes on the other instance and must get every seq once.
 * The ceiling is a bare `ws` broadcast server fed the same payloads at the same rate.
 */

const RATE = 200;
const CLIENTS = 1000;
const CONVERSATIONS = 10;
const P99_TARGET_MS = 100;
const WARMUP_SECONDS = 2;
const DRAIN_MS = 10_000;
const DOWN_MS = 1_000;
/** The reconnecting client: a member of conversation 0 connected to the second instance. */
const RESUME_CLIENT = 10;

/** What the suite measured, for the report. */
export interface ChatFigures {
  ours: ChatLoadResult;
  ceiling: ChatLoadResult;
  /** CPU of the in-process API instance while the clients ran, as a share of one core. */
  firstInstanceCpuShare: number;
  /** `ulimit -n` of the run. */
  fileLimit: string;
}

type Post = <T>(path: string, body: unknown) => Promise<T>;

function poster(url: string, apiKey: string): Post {
  return async <T>(path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as T;
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}

/** Mints one token per identity (25 requests at a time) and creates the conversations. */
async function createChat(post: Post) {
  const identities = Array.from({ length: CLIENTS }, (_, i) => `user${i}`);
  const tokens: string[] = [];
  for (let i = 0; i < identities.length; i += 25) {
    const batch = identities.slice(i, i + 25);
    const minted = await Promise.all(
      batch.map((identity) => post<{ token: string }>('/v1/tokens', { identity, ttl: 3600 })),
    );
    tokens.push(...minted.map((m) => m.token));
  }
  const conversations: string[] = [];
  for (let c = 0; c < CONVERSATIONS; c += 1) {
    const members = identities.filter((_, i) => i % CONVERSATIONS === c);
    const created = await post<{ id: string }>('/v1/conversations', {
      type: 'group',
      name: `bench ${c}`,
      members,
    });
    conversations.push(created.id);
  }
  const template = await post<Record<string, unknown>>(
    `/v1/conversations/${conversations[CONVERSATIONS - 1]}/messages`,
    { body: 'Benchmark message template', client_id: 'template' },
  );
  return { tokens, conversations, template };
}

/** Client i: conversation i mod 10; instance alternates every 10 clients (50/50 per conversation). */
function clientsFor(urls: string[], tokens: string[]): ClientSpec[] {
  return tokens.map((token, i) => ({
    url: urls[Math.floor(i / CONVERSATIONS) % urls.length],
    token,
    conversation: i % CONVERSATIONS,
  }));
}

async function measureOurs(settings: BenchSettings) {
  return withPlatform(
    { settings, roles: { api: true, worker: false, orchestrator: false } },
    async ({ url, runtime, config }) => {
      const second = await startApiProcess({ ...config, dataDir: join(config.dataDir, 'second') });
      try {
        const urls = [url!, second.url];
        const project = await runtime.services.accounts.createProject({ name: 'bench' });
        progress(`chat: ${CLIENTS} tokens and ${CONVERSATIONS} conversations`);
        const { tokens, conversations, template } = await createChat(poster(url!, project.api_key));
        const clients = clientsFor(urls, tokens);
        const authorization = `Bearer ${project.api_key}`;
        progress(
          `chat: ${CLIENTS} clients on two API processes, ${RATE} messages/s for ${settings.seconds} s`,
        );
        const cpu0 = process.cpuUsage();
        const started = performance.now();
        const ours = await runChatClients({
          clients,
          conversations,
          targets: urls.map((u) => ({ url: u, authorization })),
          rate: RATE,
          warmupSeconds: WARMUP_SECONDS,
          seconds: settings.seconds,
          drainMs: DRAIN_MS,
          resume: {
            client: RESUME_CLIENT,
            conversation: clients[RESUME_CLIENT].conversation,
            token: tokens[RESUME_CLIENT],
            reconnectUrl: urls.find((u) => u !== clients[RESUME_CLIENT].url)!,
            downMs: DOWN_MS,
          },
        });
        const cpu = process.cpuUsage(cpu0);
        const firstInstanceCpuShare =
          (cpu.user + cpu.system) / 1000 / (performance.now() - started);
        return { ours, template, conversations, firstInstanceCpuShare };
      } finally {
        await second.stop();
      }
    },
  );
}

async function measureCeiling(
  settings: BenchSettings,
  template: Record<string, unknown>,
  conversations: string[],
): Promise<ChatLoadResult> {
  const bare = await startBareChatServer(template);
  try {
    progress(`chat: ceiling, bare ws broadcast server, ${RATE} messages/s`);
    const tokens = Array.from({ length: CLIENTS }, (_, i) => conversations[i % CONVERSATIONS]);
    return await runChatClients({
      clients: clientsFor([bare.url], tokens),
      conversations,
      targets: [{ url: bare.url, authorization: 'Bearer bare' }],
      rate: RATE,
      warmupSeconds: WARMUP_SECONDS,
      seconds: settings.seconds,
      drainMs: DRAIN_MS,
      resume: null,
    });
  } finally {
    await bare.close();
  }
}

/** The soft limit on open files each process inherits (1,000 client sockets need it ≥ ~1,100). */
function openFileLimit(): string {
  try {
    return execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export async function run(settings: BenchSettings): Promise<SuiteReport> {
  const fileLimit = openFileLimit();
  if (Number(fileLimit) < 2 * CLIENTS) {
    throw new Error(`ulimit -n is ${fileLimit}; the chat suite needs at least ${2 * CLIENTS}.`);
  }
  const { ours, template, conversations, firstInstanceCpuShare } = await measureOurs(settings);
  const ceiling = await measureCeiling(settings, template, conversations);
  return buildChatReport({ ours, ceiling, firstInstanceCpuShare, fileLimit }, settings, {
    rate: RATE,
    clients: CLIENTS,
    conversations: CONVERSATIONS,
    p99TargetMs: P99_TARGET_MS,
    warmupSeconds: WARMUP_SECONDS,
  });
}
