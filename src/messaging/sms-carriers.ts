import { randomBytes } from 'node:crypto';
import {
  bindsByAccount,
  createSmppGateway,
  createSmscSimulator,
  createSmsRouter,
  parseSmppUrls,
  routesFromConfigs,
  type InboundPdu,
  type SmsGateway,
  type SmsRouter,
  type SmscSimulator,
} from '../connectors/index.js';
import type { Clock, Logger } from '../platform/index.js';

/**
 * The SMPP binds of this process: the ones in SMPP_URL, or, when it is unset, one bind to an
 * in-process sandbox SMSC (a real SMPP server on loopback) so the platform works with nothing
 * but Postgres and Redis. Every bind's inbound PDUs go to one handler.
 */
export function createSmsCarriers(deps: {
  smppUrl: string | null;
  logger: Logger;
  clock: Clock;
  sandboxDlrDelayMs?: number;
}) {
  let gateways: SmsGateway[] = [];
  let router: SmsRouter | null = null;
  let simulator: SmscSimulator | null = null;
  let accounts: (bindId: string) => readonly string[] = (bindId) => [bindId];
  let handler: (pdu: InboundPdu) => Promise<void> = async () => {
    throw new Error('inbound SMS handler not ready');
  };

  async function sandboxUrl(): Promise<string> {
    const password = randomBytes(6).toString('base64url').slice(0, 8);
    simulator = createSmscSimulator({
      logger: deps.logger,
      users: [{ systemId: 'trunkline', password }],
      dlrDelayMs: deps.sandboxDlrDelayMs ?? 50,
    });
    const { port } = await simulator.start();
    deps.logger.info({ port }, 'sandbox SMSC started (SMPP_URL is unset)');
    return `smpp://trunkline:${password}@127.0.0.1:${port}?id=sandbox&window=50&response_timeout_ms=2000&reconnect_initial_ms=100&reconnect_max_ms=2000`;
  }

  return {
    async start(): Promise<void> {
      const configs = parseSmppUrls(deps.smppUrl ?? (await sandboxUrl()));
      accounts = bindsByAccount(configs);
      gateways = configs.map((config) =>
        createSmppGateway(config, {
          logger: deps.logger,
          clock: deps.clock,
        }),
      );
      for (const gateway of gateways) gateway.onInbound((pdu) => handler(pdu));
      router = createSmsRouter(gateways, routesFromConfigs(configs));
    },
    async stop(): Promise<void> {
      await Promise.all(gateways.map((g) => g.close()));
      gateways = [];
      await simulator?.stop();
      simulator = null;
    },
    onInbound(fn: (pdu: InboundPdu) => Promise<void>): void {
      handler = fn;
    },
    pick(destination: string): SmsGateway {
      if (!router) throw new Error('SMS carriers are not started');
      return router.pick(destination);
    },
    /** The binds that share this bind's SMSC account, the one naming the account first. */
    bindsSharingAccount: (bindId: string) => accounts(bindId),
    readiness: async () => ({ smpp: gateways.some((g) => g.isBound()) }),
    /** The sandbox SMSC, when this process runs one. */
    sandbox: () => simulator,
  };
}

export type SmsCarriers = ReturnType<typeof createSmsCarriers>;
