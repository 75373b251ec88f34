import { randomBytes } from 'node:crypto';
import { createPbxSimulator, type PbxSimulator } from '../src/connectors/index.js';
import { createLogger } from '../src/platform/index.js';
import type { Runtime } from '../src/runtime.js';
import { withPlatform } from './support/platform.js';
import { postgresCpuMs } from './support/process-cpu.js';
import { startRoleProcess, type ProcessUsage, type RoleProcess } from './support/role-process.js';
import type { BenchSettings } from './support/settings.js';

/**
 * The voice suite's deployment, as in production: the PBX is a server of its own (Asterisk;
 * here the sandbox PBX simulator, started in the benchmark process with the settings the
 * voice feature gives its sandbox PBX), `trunkline api` is one child process, and the
 * orchestrator (with the worker role: the outbox relay that queues `calls.originate`, the
 * job runner) is another, reaching the PBX through ARI_URL. The benchmark process holds the
 * PBX, the callers (HTTP client, IVR far ends) and a runtime with no role of its own (for
 * creating the project).
 */

/** The Stasis application the orchestrator registers (ARI_APP's default). */
const ARI_APP = 'trunkline';
/** The voice feature's sandbox PBX clock: 1,000 ms per telephony second, ring at most 2 s. */
const SECOND_MS = 1000;

export interface VoicePlatform {
  /** The API child's base URL. */
  url: string;
  runtime: Runtime;
  databaseUrl: string;
  pbx: PbxSimulator;
  pbxUrl: string;
  api: RoleProcess;
  orchestrator: RoleProcess;
}

/** What the benchmark process (PBX, callers) and the two platform processes used, summed. */
export interface VoiceUsage {
  bench: { cpuMs: number };
  api: ProcessUsage;
  orchestrator: ProcessUsage;
  /** CPU of the Postgres backends serving the run's database (null when none is local). */
  postgresCpuMs: number | null;
  /** Statements of the three processes (the benchmark's runtime sends next to none). */
  statements: number;
}

export function benchCpuMs(): number {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
}

export async function readUsage(
  platform: VoicePlatform,
  counted: () => number,
): Promise<VoiceUsage> {
  const [api, orchestrator] = await Promise.all([
    platform.api.usage(),
    platform.orchestrator.usage(),
  ]);
  return {
    bench: { cpuMs: benchCpuMs() },
    api,
    orchestrator,
    postgresCpuMs: postgresCpuMs(new URL(platform.databaseUrl).pathname.slice(1)),
    statements: counted() + api.statements + orchestrator.statements,
  };
}

export async function withVoicePlatform<T>(
  settings: BenchSettings,
  use: (platform: VoicePlatform) => Promise<T>,
): Promise<T> {
  const pbx = createPbxSimulator({
    logger: createLogger(settings.logLevel),
    username: 'trunkline',
    password: randomBytes(12).toString('hex'),
    app: ARI_APP,
    timing: { secondMs: SECOND_MS, maxRingMs: 2 * SECOND_MS },
  });
  const pbxUrl = (await pbx.start()).url;
  const none = { api: false, worker: false, orchestrator: false };
  try {
    return await withPlatform(
      { settings, roles: none, env: { ARI_URL: pbxUrl, ARI_APP } },
      async ({ runtime, config, databaseUrl }) => {
        const [api, orchestrator] = await Promise.all([
          startRoleProcess(config, { ...none, api: true }),
          startRoleProcess(config, { ...none, worker: true, orchestrator: true }),
        ]);
        try {
          if (api.port === null) throw new Error('the API process reported no port');
          const url = `http://127.0.0.1:${api.port}`;
          return await use({ url, runtime, databaseUrl, pbx, pbxUrl, api, orchestrator });
        } finally {
          await Promise.all([api.stop(), orchestrator.stop()]);
        }
      },
    );
  } finally {
    await pbx.stop();
  }
}
