import type { ReportRow, SuiteReport, TargetCheck } from './support/report.js';
import type { BenchSettings } from './support/settings.js';
import type { IvrLevelFigures } from './voice-ivr.js';
import type { VoiceFigures } from './voice.js';

/** The voice suite's figures as a report: rows, the conditions of the run, the targets. */

/** The suite's constants the report states. */
export interface VoiceReportSettings {
  setupTarget: number;
  concurrencyTarget: number;
  latencyTargetMs: number;
  holdMs: number;
  rampPerSecond: number;
  settleMs: number;
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => `${value.toFixed(1)} ms`;
const pct = (share: number) => `${(share * 100).toFixed(0)}%`;

function levelRows(level: IvrLevelFigures): ReportRow[] {
  const calls = `${n(level.target)} IVR calls`;
  return [
    {
      metric: `${calls}: command latency p50`,
      ours: level.latency.p50,
      unit: 'ms',
      kind: 'latency',
    },
    {
      metric: `${calls}: command latency p99`,
      ours: level.latency.p99,
      unit: 'ms',
      kind: 'latency',
    },
    {
      metric: `${calls}: orchestrator CPU per concurrent call`,
      ours: level.cpuMsPerCallSecond,
      unit: 'CPU-ms/s',
      kind: 'count',
    },
    {
      metric: `${calls}: orchestrator heap per concurrent call`,
      ours: level.heapKbPerCall,
      unit: 'KB',
      kind: 'count',
    },
    {
      metric: `${calls}: orchestrator RSS (growth over idle)`,
      ours: level.rssMb,
      unit: `MB (${level.rssGrowthMb >= 0 ? '+' : ''}${level.rssGrowthMb.toFixed(0)})`,
      kind: 'count',
    },
  ];
}

function levelNote(level: IvrLevelFigures): string {
  const triggers = Object.entries(level.byTrigger)
    .map(([type, s]) => `${type} p50 ${ms(s.p50)} / p99 ${ms(s.p99)} (${n(s.count)})`)
    .join('; ');
  return (
    `${n(level.target)} calls: ${level.liveMin}–${Math.round(level.liveAvg)} live (min–avg), ` +
    `${n(level.ended)} ended in the window, ${n(level.latency.count)} commands (max ${ms(level.latency.max)}), ` +
    `orchestrator CPU ${pct(level.cpuShare)} of a core, event-loop delay p99 ${ms(level.loopDelayP99)}; ` +
    `benchmark process (PBX, far ends) CPU ${pct(level.pbxCpuShare)}, event-loop delay p99 ${ms(level.pbxLoopDelayP99)}; ` +
    `${level.errors} PBX errors. By trigger: ${triggers}.`
  );
}

function setupRows(figures: VoiceFigures): ReportRow[] {
  const { setups, raw, setupCount } = figures;
  return [
    {
      metric: `call setups, POST /v1/calls → in-progress (${n(setupCount)} calls)`,
      ours: setups.answeredPerSec,
      ceiling: raw.setupsPerSec,
      ceilingLabel: 'bare ARI client, no database',
      unit: 'setups/s',
      kind: 'rate',
    },
    {
      metric: 'call setups, POST /v1/calls → initiated',
      ours: setups.initiatedPerSec,
      unit: 'setups/s',
      kind: 'rate',
    },
    {
      metric: 'setup latency p50 (created → in-progress)',
      ours: setups.answeredP50,
      ceiling: raw.p50,
      unit: 'ms',
      kind: 'latency',
    },
    {
      metric: 'setup latency p99 (created → in-progress)',
      ours: setups.answeredP99,
      ceiling: raw.p99,
      unit: 'ms',
      kind: 'latency',
    },
    { metric: 'POST /v1/calls accepted', ours: setups.acceptedPerSec, unit: 'req/s', kind: 'rate' },
    { metric: 'POST /v1/calls p99 latency', ours: setups.postP99, unit: 'ms', kind: 'latency' },
    {
      metric: 'SQL statements per call setup (short flow, end to end, both processes)',
      ours: setups.statementsPerSetup,
      unit: 'statements',
      kind: 'count',
    },
    {
      metric: 'platform CPU per call setup (API + orchestrator processes, short flow)',
      ours: setups.cpuMsPerSetup,
      unit: 'CPU-ms',
      kind: 'count',
    },
    ...(setups.postgresCpuMsPerSetup === null
      ? []
      : [
          {
            metric: 'Postgres CPU per call setup (backends of the run database)',
            ours: setups.postgresCpuMsPerSetup,
            unit: 'CPU-ms',
            kind: 'count' as const,
          },
        ]),
    {
      metric: 'benchmark process CPU per call setup (PBX simulator, HTTP callers)',
      ours: setups.benchCpuMsPerSetup,
      unit: 'CPU-ms',
      kind: 'count',
    },
  ];
}

export function buildVoiceReport(
  figures: VoiceFigures,
  settings: BenchSettings,
  c: VoiceReportSettings,
): SuiteReport {
  const { setups, raw, levels, setupCount } = figures;
  const held = levels.filter(
    (l) => l.latency.p99 < c.latencyTargetMs && l.liveMin >= l.target * 0.95,
  );
  const best = held.at(-1)?.target ?? 0;
  const hold = c.holdMs / 1000;
  const targets: TargetCheck[] = [
    {
      target: `≥ ${c.setupTarget} call setups/s (POST → in-progress) on 2 cores`,
      met: setups.answeredPerSec >= c.setupTarget,
      figure: `${n(setups.answeredPerSec)} setups/s (bare ARI client ${n(raw.setupsPerSec)})`,
    },
    {
      target: `≥ ${n(c.concurrencyTarget)} concurrent IVR calls with p99 command latency < ${c.latencyTargetMs} ms`,
      met: best >= c.concurrencyTarget,
      figure: `${n(best)} (${levels.map((l) => `${n(l.target)} → p99 ${ms(l.latency.p99)}`).join(', ')})`,
    },
  ];
  return {
    suite: 'voice',
    title: 'call setups and concurrent IVR calls on the sandbox PBX',
    rows: [
      ...setupRows(figures),
      ...levels.flatMap(levelRows),
      {
        metric: `most concurrent IVR calls with p99 < ${c.latencyTargetMs} ms`,
        ours: best,
        unit: 'calls',
        kind: 'count',
      },
    ],
    notes: [
      'Deployed as in production on the one 2-core machine: `trunkline api` in one child process; `trunkline worker` + `orchestrator` roles (outbox relay, job runner, the ARI connection, call jobs) in another; the PBX (the sandbox simulator standing in for Asterisk, a separate server) in the benchmark process with the callers (HTTP client, IVR far ends) and a runtime with no role (project creation). ARI_URL points the orchestrator at the simulator; the API needs no PBX for POST /v1/calls. LOG_LEVEL=warn. Postgres and Redis share the same 2 cores.',
      'PBX timing: the sandbox defaults (ring 30 ms, answer 30 ms, each TTS prompt 50 ms, 1,000 ms per telephony second), with the simulator options the voice feature gives its own sandbox PBX (`timing: { secondMs, maxRingMs }`); the configuration has no setting for it.',
      `Setups: ${n(setupCount)} POST /v1/calls (flow: say, hang up) from ${settings.connections} keep-alive connections in the benchmark process, as fast as accepted; ${setups.accepted} accepted, ${setups.refused} refused; rates run from the first call created to the last one initiated / in-progress, and latencies include queueing behind the burst (initiated p50 ${ms(setups.initiatedP50)} / p99 ${ms(setups.initiatedP99)}). Statuses at the end: ${JSON.stringify(setups.statuses)}. CPU per setup: API ${setups.apiCpuMsPerSetup.toFixed(1)} ms + orchestrator ${setups.orchestratorCpuMsPerSetup.toFixed(1)} ms (benchmark process ${setups.benchCpuMsPerSetup.toFixed(1)} ms; Postgres backends of the run database ${setups.postgresCpuMsPerSetup === null ? 'not measured: not local' : `${setups.postgresCpuMsPerSetup.toFixed(1)} ms`}, read from /proc, WAL writer and checkpointer not included); CPU during the phase, share of a core: API ${pct(setups.cpuShare.api)}, orchestrator ${pct(setups.cpuShare.orchestrator)}, benchmark process ${pct(setups.cpuShare.bench)}. Statements counted in all three processes.`,
      `Ceiling: createAriMediaControl under a Stasis app of its own on the same simulator, ${settings.connections} originates in flight, hang-up on StasisStart: ${raw.answered} answered, ${raw.errors} errors.`,
      `IVR: inbound calls placed on the simulator (no API), flow say → gather (prompt) → branch → say → hang up; each caller presses 1 ${hold} s after the prompt ends, so calls last about ${hold} s and level / ${hold} calls start and end per second; each ended call is replaced at once. A level ramps at ${c.rampPerSecond} new calls/s (holds staggered so the ramp's calls end evenly over the next ${hold} s), waits until ≤ 2 % of its calls are still being set up (at most ${c.settleMs / 1000} s) plus 1 s, then is measured for ${settings.seconds} s; levels stop at the first that misses the latency target.`,
      'Command latency: from the ARI event the PBX sends (StasisStart, PlaybackFinished, ChannelDtmfReceived) to the next ARI request it receives for that channel, taken inside the simulator (ws send → http.server.request.start).',
      "IVR calls run on the one orchestrator process (no API involved); command latency therefore includes the ARI WebSocket and HTTP hops between processes, as with Asterisk. CPU: the orchestrator process (with its relay and job runner; not the PBX, Postgres or Redis) per concurrent call per second of the window. Memory: the orchestrator's heap after a full GC with the calls live, minus its idle baseline after the warm-up, per call (the PBX's channel state is not in it); RSS is the orchestrator's, shown whole with its growth over that baseline, because the allocator keeps the pages the warm-up freed and a per-call RSS figure is noise.",
      ...levels.map(levelNote),
    ],
    targets,
  };
}
