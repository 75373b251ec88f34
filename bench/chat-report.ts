import type { ChatLoadResult } from './chat-clients.js';
import type { ChatFigures } from './chat.js';
import type { ReportRow, SuiteReport } from './support/report.js';
import type { BenchSettings } from './support/settings.js';

/** The chat suite's figures as a report: rows, the conditions of the run, the targets. */

/** The suite's constants the report states. */
export interface ChatReportSettings {
  rate: number;
  clients: number;
  conversations: number;
  p99TargetMs: number;
  warmupSeconds: number;
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');
/** A figure with `digits` decimals; none was measured (NaN, or null once sent as JSON): n/a. */
const fixed = (value: number | null, digits: number) =>
  typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
const pct = (share: number) => `${fixed(share * 100, 0)}%`;

function loadNote(label: string, r: ChatLoadResult): string {
  const refused = Object.keys(r.refused).length ? JSON.stringify(r.refused) : 'none';
  return (
    `${label}: ${r.connected} clients connected in ${n(r.connectMs)} ms; ${n(r.accepted)}/${n(r.posted)} POSTs answered 201 (others: ${refused}); ` +
    `${n(r.delivered)}/${n(r.expected)} deliveries arrived, ${r.duplicates} duplicates; fan-out max ${n(r.fanoutMax)} ms; ` +
    `client process CPU ${pct(r.clientCpuShare)} of a core, its event-loop delay p99 ${fixed(r.clientLoopP99, 1)} ms.`
  );
}

function rows(ours: ChatLoadResult, ceiling: ChatLoadResult, rate: number): ReportRow[] {
  const ceilingLabel = 'bare ws broadcast server';
  return [
    {
      metric: `messages posted and accepted (offered ${rate}/s)`,
      ours: ours.acceptedPerSec,
      ceiling: ceiling.acceptedPerSec,
      ceilingLabel,
      unit: 'msg/s',
      kind: 'rate',
    },
    {
      metric: 'deliveries to members',
      ours: ours.deliveriesPerSec,
      ceiling: ceiling.deliveriesPerSec,
      unit: '/s',
      kind: 'rate',
    },
    {
      metric: 'fan-out latency p50 (POST start → member receives)',
      ours: ours.fanoutP50,
      ceiling: ceiling.fanoutP50,
      unit: 'ms',
      kind: 'latency',
    },
    {
      metric: 'fan-out latency p99',
      ours: ours.fanoutP99,
      ceiling: ceiling.fanoutP99,
      unit: 'ms',
      kind: 'latency',
    },
    {
      metric: 'POST …/messages p50 latency',
      ours: ours.postP50,
      ceiling: ceiling.postP50,
      unit: 'ms',
      kind: 'latency',
    },
    {
      metric: 'POST …/messages p99 latency',
      ours: ours.postP99,
      ceiling: ceiling.postP99,
      unit: 'ms',
      kind: 'latency',
    },
    {
      metric: 'deliveries missing at the end',
      ours: ours.expected - ours.delivered,
      ceiling: ceiling.expected - ceiling.delivered,
      unit: '',
      kind: 'count',
    },
  ];
}

export function buildChatReport(
  figures: ChatFigures,
  settings: BenchSettings,
  c: ChatReportSettings,
): SuiteReport {
  const { ours, ceiling } = figures;
  const { rate, clients, conversations } = c;
  const resume = ours.resume;
  const kept = ours.acceptedPerSec >= rate * 0.95 && ours.delivered >= ours.expected;
  return {
    suite: 'chat',
    title: `realtime fan-out, ${n(clients)} WebSocket clients on two API processes`,
    rows: rows(ours, ceiling, rate),
    notes: [
      `Two API processes: the benchmark process runs one runtime (API role) and a child process the second (API role), on the same bench database and Redis prefix; the ${n(clients)} clients and the poster run in a third process (undici, 32 keep-alive connections per instance). LOG_LEVEL=warn, rate limit 1,000,000/s.`,
      `${conversations} group conversations of ${clients / conversations} members, half of each conversation on each instance; messages posted with the API key at ${rate}/s, alternately to each instance, round robin over the conversations (${rate / conversations}/s each), for ${settings.seconds} s after a ${c.warmupSeconds} s warm-up at the same rate; fan-out latency is timed by the client process from the start of each POST (found through the message's client_id) to its arrival at each member, the reconnecting client excluded.`,
      `The ceiling is a bare ws server in the benchmark process (no database, Redis or authentication) that builds the same message frame, serialises it once and sends it to the conversation's ${clients / conversations} sockets, fed by the same client process at the same rate.`,
      `First API instance CPU while the clients ran (connects, load, drain): ${pct(figures.firstInstanceCpuShare)} of a core. Open-file limit (ulimit -n): ${figures.fileLimit}.`,
      loadNote('Trunkline', ours),
      loadNote('Ceiling', ceiling),
      resume
        ? `Reconnecting client (conversation 0): cut at position ${resume.positionAtDrop} after seq ${resume.lastSeqBeforeDrop}, resumed on the other instance 1 s later, first seq after the resume ${resume.firstSeqAfterResume}; ${resume.received} message frames (${resume.beforeDrop} + ${resume.afterResume}) for ${resume.expected} seqs posted: ${resume.missing} missing, ${resume.duplicates} duplicates, ${resume.unexpected} unexpected.`
        : 'No reconnecting client ran.',
    ],
    targets: [
      {
        target: `fan-out p99 < ${c.p99TargetMs} ms at ${rate} messages/s (${n(rate * (clients / conversations))} deliveries/s) on 2 cores`,
        met: kept && Number.isFinite(ours.fanoutP99) && ours.fanoutP99 < c.p99TargetMs,
        figure: `p99 ${fixed(ours.fanoutP99, 1)} ms at ${fixed(ours.acceptedPerSec, 0)} msg/s accepted, ${n(ours.deliveriesPerSec)} deliveries/s, ${n(ours.expected - ours.delivered)} deliveries missing`,
      },
      {
        target: 'the reconnecting client misses nothing and gets nothing twice',
        met: resume?.ok ?? false,
        figure: resume
          ? `${resume.missing} missing, ${resume.duplicates} duplicates of ${resume.expected} seqs`
          : 'not run',
      },
    ],
  };
}
