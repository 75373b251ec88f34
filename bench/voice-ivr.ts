import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PbxSimulator } from '../src/connectors/index.js';
import type { AriProbe } from './voice-probe.js';
import type { ProcessUsage } from './support/role-process.js';
import { percentile, progress, waitUntil } from './support/stats.js';

/**
 * Holds a number of concurrent inbound calls in an IVR flow on the sandbox PBX, closed loop:
 * every call answers, hears the welcome, hears the gather prompt, stays in the gather while
 * the caller thinks (its hold), presses 1, hears the branch's answer and is hung up by the
 * flow; each call that ends is replaced at once (hold `holdMs`), so the number of live calls
 * stays at the target and `target / holdMs` calls start and end per second. The calls of a
 * ramp get staggered holds so that they end evenly over the next `holdMs`: the load is
 * steady from the end of the ramp on, however fast the ramp.
 */

const CALLER = '+14155550199';

export interface IvrLoad {
  /** Raises the number of live calls to `target`, placing the new ones at `perSecond`. */
  rampTo(target: number, perSecond: number): Promise<void>;
  live(): number;
  /** Live calls that have not yet reached the gather's wait (still being set up). */
  settingUp(): number;
  /** Calls whose channel was destroyed so far. */
  ended(): number;
  /** Calls the PBX refused, or keys it could not send. */
  errors(): number;
  /** Stops placing calls, hangs up every live one from the far end, waits for the ends. */
  stop(timeoutMs: number): Promise<void>;
}

interface LiveCall {
  holdMs: number;
  /** PlaybackFinished events seen: the second one ends the gather prompt. */
  finished: number;
}

export function createIvrLoad(deps: {
  pbx: PbxSimulator;
  probe: AriProbe;
  did: string;
  holdMs: number;
}): IvrLoad {
  const { pbx } = deps;
  const calls = new Map<string, LiveCall>();
  const timers = new Set<NodeJS.Timeout>();
  let target = 0;
  /** Calls scheduled or being placed, not yet in `calls`. */
  let waiting = 0;
  let running = true;
  let ended = 0;
  let errors = 0;

  function later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  }

  function place(holdMs: number): void {
    if (!running) {
      waiting -= 1;
      return;
    }
    pbx.placeInboundCall({ from: CALLER, to: deps.did }).then(
      ({ channelId }) => {
        waiting -= 1;
        calls.set(channelId, { holdMs, finished: 0 });
      },
      () => {
        waiting -= 1;
        errors += 1;
      },
    );
  }

  function schedulePlace(ms: number, holdMs: number): void {
    waiting += 1;
    later(ms, () => place(holdMs));
  }

  deps.probe.onEvent((type, channelId) => {
    const call = channelId === null ? undefined : calls.get(channelId);
    if (!call) return;
    if (type === 'PlaybackFinished') {
      call.finished += 1;
      if (call.finished !== 2) return;
      later(call.holdMs, () => {
        pbx.sendDtmf(channelId!, '1').catch(() => (errors += 1));
      });
    } else if (type === 'ChannelDestroyed') {
      calls.delete(channelId!);
      ended += 1;
      if (running && calls.size + waiting < target) schedulePlace(0, deps.holdMs);
    }
  });

  return {
    async rampTo(next, perSecond) {
      const add = next - target;
      target = next;
      const rampMs = (add / perSecond) * 1000;
      for (let i = 0; i < add; i += 1) {
        const at = (i / perSecond) * 1000;
        schedulePlace(at, rampMs - at + ((i + 0.5) / add) * deps.holdMs);
      }
      await sleep(rampMs);
    },
    live: () => calls.size,
    settingUp: () => [...calls.values()].filter((call) => call.finished < 2).length + waiting,
    ended: () => ended,
    errors: () => errors,
    async stop(timeoutMs) {
      running = false;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all([...calls.keys()].map((id) => pbx.hangupFarEnd(id).catch(() => undefined)));
      await waitUntil(async () => calls.size === 0, timeoutMs, 50);
    },
  };
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface IvrLevelFigures {
  target: number;
  /** Live calls sampled every 250 ms over the window. */
  liveMin: number;
  liveAvg: number;
  /** Calls that ended during the window. */
  ended: number;
  errors: number;
  /** Command latency over the window, all triggers and by trigger event type. */
  latency: LatencySummary;
  byTrigger: Record<string, LatencySummary>;
  /** Orchestrator process CPU (user + system) over the window, per concurrent call per second. */
  cpuMsPerCallSecond: number;
  /** Orchestrator process CPU over the window as a share of one core. */
  cpuShare: number;
  /** Orchestrator heap after a full GC with the calls live, minus its idle baseline, per call. */
  heapKbPerCall: number;
  /** The orchestrator's RSS then, and its growth over the idle baseline (coarse: freed pages stay). */
  rssMb: number;
  rssGrowthMb: number;
  /** The orchestrator's event-loop delay over the window (ms). */
  loopDelayP99: number;
  /** The benchmark process (PBX simulator, far ends): CPU share of a core, event-loop delay p99. */
  pbxCpuShare: number;
  pbxLoopDelayP99: number;
}

function summarise(values: number[]): LatencySummary {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}

/** The orchestrator process, as the benchmark reads it (`RoleProcess`). */
export interface UsageSource {
  usage(options?: { gc?: boolean }): Promise<ProcessUsage>;
}

/**
 * Ramps to `target` at `rampPerSecond`, waits (at most `settleMs`) until the ramp's calls
 * have all reached the gather, so its backlog does not spill into the window, then measures
 * for `seconds` at that level: command latency (the probe, in the PBX), the orchestrator
 * process's CPU, event-loop delay and the memory it holds with the calls live (against
 * `baseline`, its reading after a full GC with no call live), and the benchmark process's
 * CPU and event-loop delay (the PBX's).
 */
export async function measureLevel(input: {
  load: IvrLoad;
  probe: AriProbe;
  orchestrator: UsageSource;
  target: number;
  rampPerSecond: number;
  settleMs: number;
  seconds: number;
  baseline: ProcessUsage;
}): Promise<IvrLevelFigures> {
  const { load, probe, target, orchestrator } = input;
  progress(`voice: ramping to ${target} concurrent IVR calls at ${input.rampPerSecond} calls/s`);
  await load.rampTo(target, input.rampPerSecond);
  const settled = Math.max(5, Math.ceil(target * 0.02));
  await waitUntil(async () => load.settingUp() <= settled, input.settleMs, 100);
  await sleep(1_000);
  progress(`voice: ${load.live()} live calls; measuring for ${input.seconds} s`);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const ended0 = load.ended();
  const errors0 = load.errors();
  const live: number[] = [];
  probe.clear();
  probe.record(true);
  loop.enable();
  const before = await orchestrator.usage();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  while (performance.now() - started < input.seconds * 1000) {
    await sleep(250);
    live.push(load.live());
  }
  const cpu = process.cpuUsage(cpu0);
  const after = await orchestrator.usage();
  const elapsedMs = performance.now() - started;
  probe.record(false);
  loop.disable();
  const samples = probe.samples();
  const ended = load.ended() - ended0;
  const memory = await orchestrator.usage({ gc: true });
  const cpuMs = after.cpuMs - before.cpuMs;
  const byTrigger: Record<string, LatencySummary> = {};
  for (const [type, values] of samples) byTrigger[type] = summarise(values);
  return {
    target,
    liveMin: Math.min(...live),
    liveAvg: live.reduce((a, b) => a + b, 0) / Math.max(1, live.length),
    ended,
    errors: load.errors() - errors0,
    latency: summarise([...samples.values()].flat()),
    byTrigger,
    cpuMsPerCallSecond: cpuMs / (elapsedMs / 1000) / target,
    cpuShare: cpuMs / elapsedMs,
    heapKbPerCall: (memory.heapUsed - input.baseline.heapUsed) / 1024 / target,
    rssMb: memory.rss / 2 ** 20,
    rssGrowthMb: (memory.rss - input.baseline.rss) / 2 ** 20,
    loopDelayP99: after.loopDelayP99Ms,
    pbxCpuShare: (cpu.user + cpu.system) / 1000 / elapsedMs,
    pbxLoopDelayP99: loop.percentile(99) / 1e6,
  };
}
