import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import type { LoadResult, LoadSpec, RequestVariation } from './load-spec.js';
import { runPaced } from './paced-load.js';
import { signedDlr } from './standard-webhooks.js';

/**
 * Child-process entry point (see `load.ts`): runs the warm-up and the measured autocannon phase
 * described by the JSON spec in argv[2] and prints the LoadResult as JSON on stdout.
 */

type Setup = (request: autocannon.Request) => autocannon.Request;

function setupFor(vary: RequestVariation): Setup | undefined {
  if (vary.kind === 'none') return undefined;
  if (vary.kind === 'idempotency-key') {
    return (request) => ({
      ...request,
      headers: { ...request.headers, 'idempotency-key': randomUUID() },
    });
  }
  let counter = 0;
  const prefix = randomUUID().slice(0, 8);
  return (request) => {
    counter += 1;
    const { body, headers } = signedDlr(vary.secret, `${prefix}-${counter}`);
    return { ...request, body, headers: { ...request.headers, ...headers } };
  };
}

function run(spec: LoadSpec, seconds: number): Promise<autocannon.Result> {
  const setupRequest = setupFor(spec.vary);
  return autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: seconds,
    overallRate: spec.overallRate,
    requests: [
      {
        method: spec.method,
        path: spec.path,
        headers: spec.headers,
        body: spec.body,
        ...(setupRequest && { setupRequest }),
      },
    ],
  });
}

function resultOf(result: autocannon.Result): LoadResult {
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = stat.count ?? 0;
  }
  return {
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSec: result.duration,
    okPerSec: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    statusCodes,
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  if (spec.paced && spec.overallRate && spec.vary.kind === 'none') {
    if (spec.warmupSeconds > 0) await runPaced(spec, spec.warmupSeconds);
    process.stdout.write(JSON.stringify(await runPaced(spec, spec.seconds)));
    return;
  }
  if (spec.warmupSeconds > 0) await run(spec, spec.warmupSeconds);
  const result = await run(spec, spec.seconds);
  process.stdout.write(JSON.stringify(resultOf(result)));
}

main().catch((err: Error) => {
  process.stderr.write(`load generator failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
