import { createSilentLogger } from '../../../src/platform/index.js';
import {
  createSmscSimulator,
  type SmscSimulator,
  type SmscSimulatorOptions,
} from '../../../src/connectors/sandbox/smsc/index.js';
import type { SmppBindConfig } from '../../../src/connectors/smpp/smpp-url.js';

export const USER = { systemId: 'trunkline', password: 'secret' };

/** A started simulator on 127.0.0.1:0 with fast DLRs and redeliveries. */
export async function startSimulator(
  options: Partial<SmscSimulatorOptions> = {},
): Promise<{ simulator: SmscSimulator; port: number }> {
  const simulator = createSmscSimulator({
    logger: createSilentLogger(),
    users: [USER],
    dlrDelayMs: 5,
    redeliveryDelayMs: 20,
    responseTimeoutMs: 1_000,
    ...options,
  });
  const { port } = await simulator.start();
  return { simulator, port };
}

/** A bind config for tests: fast reconnects and keep-alive far enough not to interfere. */
export function bindConfig(port: number, overrides: Partial<SmppBindConfig> = {}): SmppBindConfig {
  return {
    id: 'smpp-1',
    host: '127.0.0.1',
    port,
    tls: false,
    systemId: USER.systemId,
    password: USER.password,
    systemType: '',
    window: 10,
    throughput: 0,
    responseTimeoutMs: 1_000,
    enquireLinkMs: 5_000,
    prefixes: [],
    reconnect: { initialMs: 20, maxMs: 80 },
    ...overrides,
  };
}

/** Polls `condition` every 5 ms; rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await delay(5);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What a promise settled with, for asserting on rejections without try/catch. */
export async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}
