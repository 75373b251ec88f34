import { spawn, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/platform/index.js';
import { createRuntime, type Roles } from '../../src/runtime.js';
import { profileArgs } from './profile-args.js';
import { countQueries } from './queries.js';

/**
 * Runs some of Trunkline's roles in a child process, as `trunkline worker` (or `api`,
 * `orchestrator`) does in production next to the others:
 * `node --expose-gc --import tsx role-process.ts '<{config, roles} JSON>'`. The child counts
 * its SQL statements and answers one JSON line per line on its stdin: `count` →
 * `{"count":N}`; `usage` (or `usage gc`, after a full garbage collection) → its
 * {@link ProcessUsage}. Closing stdin stops the runtime gracefully.
 */

const self = fileURLToPath(import.meta.url);

/** What a role process has used since it started (CPU, statements) and holds now (memory). */
export interface ProcessUsage {
  statements: number;
  /** User + system CPU since the process started, ms. */
  cpuMs: number;
  heapUsed: number;
  rss: number;
  /** Event-loop delay p99 (ms) since the previous `usage` reading (or the start). */
  loopDelayP99Ms: number;
}

export interface RoleProcess {
  /** The HTTP port, when the API role runs in the child; else null. */
  port: number | null;
  /** SQL statements the child has sent since it started. */
  statements(): Promise<number>;
  /** The child's usage; `gc` runs a full garbage collection first (memory readings). */
  usage(options?: { gc?: boolean }): Promise<ProcessUsage>;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

export function startRoleProcess(config: Config, roles: Roles): Promise<RoleProcess> {
  const child = spawn(
    process.execPath,
    [...profileArgs(), '--expose-gc', '--import', 'tsx', self, JSON.stringify({ config, roles })],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = () => new Promise<string>((resolve) => waiting.push(resolve));
  const ask = async (question: string) => {
    const answer = nextLine();
    child.stdin!.write(`${question}\n`);
    return JSON.parse(await answer) as Record<string, number>;
  };

  const handle = (port: number | null): RoleProcess => ({
    port,
    async statements() {
      return (await ask('count')).count;
    },
    async usage(options = {}) {
      return (await ask(options.gc ? 'usage gc' : 'usage')) as unknown as ProcessUsage;
    },
    async stop() {
      child.stdin!.end();
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited(child);
      clearTimeout(killer);
    },
  });
  return new Promise((resolve, reject) => {
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the role process did not start within 30 s'));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(limit);
      reject(new Error(`the role process exited with ${code}`));
    });
    void nextLine().then((line) => {
      clearTimeout(limit);
      const ready = JSON.parse(line) as { port?: number | null };
      resolve(handle(ready.port ?? null));
    });
  });
}

async function main(): Promise<void> {
  const { config, roles } = JSON.parse(process.argv[2]) as { config: Config; roles: Roles };
  const runtime = createRuntime(config, { roles, logger: createLogger(config.logLevel) });
  const counter = countQueries(runtime.db);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const port = await runtime.start(0);
  process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);
  const usage = (gc: boolean) => {
    if (gc) (globalThis as { gc?: () => void }).gc?.();
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    const loopDelayP99Ms = loop.percentile(99) / 1e6;
    loop.reset();
    return {
      statements: counter.count(),
      cpuMs: (cpu.user + cpu.system) / 1000,
      heapUsed: memory.heapUsed,
      rss: memory.rss,
      loopDelayP99Ms,
    };
  };
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    if (line === 'count') process.stdout.write(`${JSON.stringify({ count: counter.count() })}\n`);
    else if (line.startsWith('usage'))
      process.stdout.write(`${JSON.stringify(usage(line === 'usage gc'))}\n`);
  });
  input.once('close', () => {
    void runtime.stop().finally(() => process.exit(0));
  });
}

if (process.argv[1] === self) await main();
