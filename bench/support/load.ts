import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './load-spec.js';

export type { LoadResult, LoadSpec, RequestVariation } from './load-spec.js';

const generator = fileURLToPath(new URL('./load-generator.ts', import.meta.url));
const running = new Set<ChildProcess>();
// An interrupted run must not leave a load generator hammering a stopped server.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Runs one autocannon phase in a child process (`node --import tsx load-generator.ts`) and
 * resolves with its figures. The child is bounded by the spec's duration; it is killed if it
 * overruns that by 30 s, so a wedged server cannot hang the benchmark.
 */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (!spec.url.startsWith('http://127.0.0.1:')) {
    return Promise.reject(new Error(`Benchmarks only talk to 127.0.0.1, not ${spec.url}.`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', generator, JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    running.add(child);
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const limit = setTimeout(
      () => child.kill('SIGKILL'),
      (spec.seconds + spec.warmupSeconds + 30) * 1000,
    );
    child.once('error', reject);
    child.once('exit', (code) => {
      running.delete(child);
      clearTimeout(limit);
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      try {
        resolve(JSON.parse(output) as LoadResult);
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}
