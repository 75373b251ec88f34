import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/platform/index.js';
import { createRuntime, type Roles } from '../../src/runtime.js';
import { countQueries } from './queries.js';

/**
 * Runs some of Trunkline's roles in a child process, as `trunkline worker` does in production
 * next to `trunkline api`: `node --import tsx role-process.ts '<{config, roles} JSON>'`. The
 * child counts its SQL statements; a `count` line on its stdin answers `{"count":N}`, and
 * closing stdin stops the runtime gracefully.
 */

const self = fileURLToPath(import.meta.url);

export interface RoleProcess {
  /** SQL statements the child has sent since it started. */
  statements(): Promise<number>;
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
    ['--import', 'tsx', self, JSON.stringify({ config, roles })],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = () => new Promise<string>((resolve) => waiting.push(resolve));

  const handle: RoleProcess = {
    async statements() {
      const answer = nextLine();
      child.stdin!.write('count\n');
      return (JSON.parse(await answer) as { count: number }).count;
    },
    async stop() {
      child.stdin!.end();
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited(child);
      clearTimeout(killer);
    },
  };
  return new Promise((resolve, reject) => {
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the role process did not start within 30 s'));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(limit);
      reject(new Error(`the role process exited with ${code}`));
    });
    void nextLine().then(() => {
      clearTimeout(limit);
      resolve(handle);
    });
  });
}

async function main(): Promise<void> {
  const { config, roles } = JSON.parse(process.argv[2]) as { config: Config; roles: Roles };
  const runtime = createRuntime(config, { roles, logger: createLogger(config.logLevel) });
  const counter = countQueries(runtime.db);
  await runtime.start(0);
  process.stdout.write('{"ready":true}\n');
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    if (line === 'count') process.stdout.write(`${JSON.stringify({ count: counter.count() })}\n`);
  });
  input.once('close', () => {
    void runtime.stop().finally(() => process.exit(0));
  });
}

if (process.argv[1] === self) await main();
