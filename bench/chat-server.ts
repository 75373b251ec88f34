import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Config } from '../src/config.js';
import { createLogger } from '../src/platform/index.js';
import { profileArgs } from './support/profile-args.js';
import { createRuntime } from '../src/runtime.js';

/**
 * A second Trunkline API process for the chat suite. Run as a child (`node --import tsx
 * bench/chat-server.ts '<config JSON>'`), it starts the API role on 127.0.0.1 port 0 against
 * the parent's bench database and Redis prefix, prints `{"port":N}` on one line, and stops
 * gracefully when its stdin closes (the parent ends it, or dies).
 */

const self = fileURLToPath(import.meta.url);

export interface ApiProcess {
  url: string;
  /** Stops the runtime (sockets said goodbye), waiting at most 15 s before killing it. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

/** Starts the child and resolves once it listens; rejects if it exits or hangs first. */
export function startApiProcess(config: Config): Promise<ApiProcess> {
  const child = spawn(
    process.execPath,
    [...profileArgs(), '--import', 'tsx', self, JSON.stringify(config)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const stop = async () => {
    child.stdin?.end();
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited(child);
    clearTimeout(killer);
  };
  return new Promise((resolve, reject) => {
    let output = '';
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the second API process did not start within 30 s'));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(limit);
      reject(new Error(`the second API process exited with ${code}`));
    });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const line = output.split('\n')[0];
      if (!output.includes('\n')) return;
      clearTimeout(limit);
      const { port } = JSON.parse(line) as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, stop });
    });
  });
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as Config;
  const runtime = createRuntime(config, {
    roles: { api: true, worker: false, orchestrator: false },
    logger: createLogger(config.logLevel),
  });
  const port = await runtime.start(0);
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => {
    runtime.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

if (process.argv[1] === self) {
  main().catch((err: Error) => {
    process.stderr.write(`chat API process failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
