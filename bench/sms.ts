import { createSmscSimulator } from '../src/connectors/index.js';
import { createLogger } from '../src/platform/index.js';
import { runRawClient, type RawRunFigures } from './sms-raw-client.js';
import {
  FIXED_RATE,
  MESSAGE_TEXT,
  measurePlatform,
  type ThroughputFigures,
} from './sms-platform.js';
import { startReceiver } from './support/receiver.js';
import type { ReportRow, SuiteReport } from './support/report.js';
import { percentile, perSecond, progress } from './support/stats.js';
import type { BenchSettings } from './support/settings.js';

/**
 * `sms`: end to end through the SMSC simulator with webhooks on, against a raw node-smpp
 * client on the same simulator. The simulator is the sandbox's, started here with the sandbox's
 * settings (DLR 50 ms after the submit) and bound with the sandbox's URL options (window 50),
 * because the benchmark must know a password to bind the raw client beside Trunkline.
 */

const WINDOW = 50;
const SANDBOX_OPTIONS = `id=sandbox&window=${WINDOW}&response_timeout_ms=2000&reconnect_initial_ms=100&reconnect_max_ms=2000`;
const PASSWORD = 'bench123';
const E2E_TARGET = 1000;
const P99_TARGET_MS = 50;

function span(times: readonly number[]): number {
  return times.length < 2 ? 0 : Math.max(...times) - Math.min(...times);
}

function apiRows(ours: ThroughputFigures): ReportRow[] {
  return [
    {
      metric: `API accepted (POST /v1/messages, ${ours.created.toLocaleString('en-US')} in all)`,
      ours: ours.load.okPerSec,
      unit: 'msg/s',
      kind: 'rate',
    },
    { metric: 'API p50 latency at full load', ours: ours.load.p50, unit: 'ms', kind: 'latency' },
    { metric: 'API p99 latency at full load', ours: ours.load.p99, unit: 'ms', kind: 'latency' },
    {
      metric: 'SQL statements per message, end to end',
      ours: ours.statements / Math.max(1, ours.created),
      unit: '',
      kind: 'count',
    },
    ...cpuRows(ours),
  ];
}

/** Phase 1's CPU per message created, summed over every process that has a reading. */
function cpuRows(ours: ThroughputFigures): ReportRow[] {
  const { cpu } = ours;
  const parts = [cpu.apiMs, cpu.workerMs, cpu.benchMs, cpu.postgresMs, cpu.loadMs];
  if (parts.some((ms) => ms === null)) return [];
  const total = parts.reduce<number>((sum, ms) => sum + (ms ?? 0), 0);
  return [
    {
      metric: 'CPU per message, every process (split in the notes)',
      ours: total / Math.max(1, ours.created),
      unit: 'ms',
      kind: 'count',
    },
  ];
}

/** The note that splits phase 1's CPU per message by process. */
function cpuNote(ours: ThroughputFigures): string {
  const { cpu } = ours;
  const per = (ms: number | null) =>
    ms === null ? 'n/a' : `${(ms / Math.max(1, ours.created)).toFixed(2)} ms`;
  return `CPU per message created in phase 1 (from the load's start until its last webhook; /proc and process.cpuUsage): API process ${per(cpu.apiMs)}, worker ${per(cpu.workerMs)}, benchmark process (SMSC simulator, webhook receiver, polling) ${per(cpu.benchMs)}, PostgreSQL ${per(cpu.postgresMs)}, load generator ${per(cpu.loadMs)}. A rate moves with the machine's speed that minute; these move with the code.`;
}

function pipelineRows(ours: ThroughputFigures, raw: RawRunFigures): ReportRow[] {
  const rate = (metric: string, value: number, ceiling: number, ceilingLabel: string) =>
    ({ metric, ours: value, ceiling, ceilingLabel, unit: 'msg/s', kind: 'rate' }) as const;
  const latency = (p: number, value: number) =>
    ({
      metric: `accepted → delivered p${p} latency`,
      ours: value,
      ceiling: percentile(raw.latencies, p),
      unit: 'ms',
      kind: 'latency',
    }) as const;
  return [
    rate(
      'submit_sm to the SMSC',
      perSecond(ours.submits.length, span(ours.submits)),
      perSecond(raw.responses.length, Math.max(...raw.responses)),
      `raw node-smpp, window ${WINDOW}`,
    ),
    rate(
      'DLR → delivered',
      perSecond(ours.delivered, ours.lastDeliveredMs - ours.firstDeliveredMs),
      perSecond(raw.receipts.length, span(raw.receipts)),
      'DLRs received by the raw client',
    ),
    rate(
      'end to end (first accepted → last delivered)',
      perSecond(ours.delivered, ours.lastDeliveredMs),
      perSecond(raw.receipts.length, Math.max(...raw.receipts)),
      'first submit → last DLR',
    ),
    latency(50, ours.e2eP50),
    latency(99, ours.e2eP99),
    {
      metric: `webhooks delivered (${ours.webhooks.total.toLocaleString('en-US')}, 4 per message)`,
      ours: perSecond(ours.webhooks.succeeded, ours.webhooks.lastMs),
      unit: '/s',
      kind: 'rate',
    },
  ];
}

type PlatformFigures = Awaited<ReturnType<typeof measurePlatform>>;

function notesOf(settings: BenchSettings, ours: PlatformFigures, raw: RawRunFigures): string[] {
  const t = ours.throughput;
  const fixed = ours.fixedRate;
  const n = (value: number) => value.toLocaleString('en-US');
  const caughtUp =
    fixed.caughtUpMs === null
      ? 'the pipeline had not delivered them all 45 s after the load'
      : `the last one was delivered ${(fixed.caughtUpMs / 1000).toFixed(1)} s after the load ended`;
  return [
    `Full platform as deployed: the API role and the worker role (send dispatcher, SMPP bind, receipts, webhook deliveries, relay) each in a child process (\`trunkline api\` + \`trunkline worker\`), the SMSC simulator and the webhook receiver in the benchmark process; statements counted in both roles. LOG_LEVEL=warn, project webhook_url = a local 200 receiver; 1-part GSM-7 messages from an alphanumeric sender; autocannon in a child process, ${settings.connections} connections, ${settings.seconds} s, after a 1 s warm-up at 200 req/s that is left to drain.`,
    `Delivered ${n(t.delivered)}/${n(t.created)} created (autocannon counted ${n(t.load.ok)} 2xx; the rest were in flight when it stopped); API non-2xx/errors ${t.load.non2xx + t.load.errors}; webhooks still pending when the last message was delivered: ${n(t.webhooks.pendingAtLastDelivery)}.`,
    cpuNote(t),
    `Lost DLRs (message left \`sent\` with its receipt unapplied in early_receipts): ${ours.warmUpStranded} in the warm-up, ${t.stranded} in phase 1, ${fixed.stranded} in phase 2.`,
    `The raw client submitted ${n(raw.count)} (${raw.errors} errors) after Trunkline stopped, and received ${n(raw.receipts.length)} DLRs.`,
    `At ${FIXED_RATE} req/s for ${settings.seconds} s, paced (open loop: one request due every ${1000 / FIXED_RATE} ms over up to ${settings.connections} connections, latency from its due time, after 1 s of the same that is not measured; until 2026-12-06 this phase used autocannon's overallRate, which sends each connection's share of a second in a burst at its start) (${n(fixed.webhooksPendingAtStart)} webhooks of phase 1 still pending at its start): ${n(fixed.load.ok)} accepted, ${fixed.load.non2xx + fixed.load.errors} non-2xx/errors; ${caughtUp}.`,
  ];
}

function reportOf(settings: BenchSettings, ours: PlatformFigures, raw: RawRunFigures): SuiteReport {
  const t = ours.throughput;
  const fixed = ours.fixedRate;
  const e2e = perSecond(t.delivered, t.lastDeliveredMs);
  const atRate = (p: string, value: number): ReportRow => ({
    metric: `API ${p} latency at ${FIXED_RATE} req/s`,
    ours: value,
    unit: 'ms',
    kind: 'latency',
  });
  return {
    suite: 'sms',
    title: 'end to end through the SMSC simulator, webhooks on',
    rows: [
      ...apiRows(t),
      ...pipelineRows(t, raw),
      atRate('p50', fixed.load.p50),
      atRate('p99', fixed.load.p99),
    ],
    notes: notesOf(settings, ours, raw),
    targets: [
      {
        target: `≥ ${E2E_TARGET.toLocaleString('en-US')} messages/s end to end on 2 cores`,
        met: e2e >= E2E_TARGET,
        figure: `${Math.round(e2e)} msg/s`,
      },
      {
        target: `API p99 < ${P99_TARGET_MS} ms at ${FIXED_RATE} req/s`,
        met: fixed.load.p99 < P99_TARGET_MS && fixed.load.okPerSec >= FIXED_RATE * 0.95,
        figure: `p99 ${fixed.load.p99} ms at ${Math.round(fixed.load.okPerSec)} req/s achieved`,
      },
    ],
  };
}

export async function run(settings: BenchSettings): Promise<SuiteReport> {
  const simulator = createSmscSimulator({
    logger: createLogger('error'),
    users: [
      { systemId: 'trunkline', password: PASSWORD },
      { systemId: 'raw', password: PASSWORD },
    ],
    dlrDelayMs: 50,
  });
  const { port } = await simulator.start();
  const receiver = await startReceiver();
  try {
    const smppUrl = `smpp://trunkline:${PASSWORD}@127.0.0.1:${port}?${SANDBOX_OPTIONS}`;
    const ours = await measurePlatform(settings, smppUrl, receiver, {
      submitTimes: () => simulator.stats().submitTimes,
      boundSessions: () => simulator.stats().boundSessions,
    });
    progress('sms: raw node-smpp client on the same simulator');
    const raw = await runRawClient({
      port,
      systemId: 'raw',
      password: PASSWORD,
      count: ours.throughput.created,
      window: WINDOW,
      text: MESSAGE_TEXT,
      timeoutMs: 30_000,
    });
    return reportOf(settings, ours, raw);
  } finally {
    await receiver.close();
    await simulator.stop();
  }
}
