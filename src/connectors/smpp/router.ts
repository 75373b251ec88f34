import { UnprocessableError, UpstreamError } from '../../platform/index.js';
import type { SmsGateway } from './gateway.js';
import type { SmppBindConfig } from './smpp-url.js';

/** Chooses the bind for each destination. */
export interface SmsRouter {
  /**
   * The bound gateway whose longest prefix matches `destination`; ties go to the one configured
   * first; a gateway without prefixes matches everything, after any prefix match. A matching
   * gateway whose bind is down is skipped, so traffic fails over to the next match. Throws
   * UpstreamError `smpp_not_bound` (retryable) when every match is down, and 422
   * `smpp_no_route` when no gateway serves the destination at all.
   */
  pick(destination: string): SmsGateway;
  /** True when at least one gateway is bound (for `/readyz`). */
  isReady(): boolean;
}

/** Gateway id → the destination prefixes it serves (`+44`, `+1415`...); absent or [] = all. */
export type SmsRoutes = ReadonlyMap<string, readonly string[]>;

/** The routes written in `SMPP_URL` (`?prefix=`), keyed by bind id. */
export function routesFromConfigs(configs: readonly SmppBindConfig[]): SmsRoutes {
  return new Map(configs.map((config) => [config.id, config.prefixes]));
}

/** See {@link SmsRouter}; `gateways` are in configured order. */
export function createSmsRouter(gateways: readonly SmsGateway[], routes: SmsRoutes): SmsRouter {
  const table = gateways.map((gateway) => ({
    gateway,
    prefixes: (routes.get(gateway.id) ?? []).map(digitsOf),
  }));

  return {
    pick(destination) {
      const digits = digitsOf(destination);
      let best: { gateway: SmsGateway; length: number } | undefined;
      let matched = false;
      for (const { gateway, prefixes } of table) {
        const length = matchLength(prefixes, digits);
        if (length < 0) continue;
        matched = true;
        if (!gateway.isBound()) continue;
        if (!best || length > best.length) best = { gateway, length };
      }
      if (best) return best.gateway;
      if (matched) {
        throw new UpstreamError(
          'No SMPP bind serving this destination is bound.',
          'smpp_not_bound',
        );
      }
      throw new UnprocessableError(`No SMPP route serves ${destination}.`, 'smpp_no_route');
    },
    isReady: () => gateways.some((gateway) => gateway.isBound()),
  };
}

/** -1: no match; 0: a catch-all gateway; n: the longest matching prefix has n digits. */
function matchLength(prefixes: readonly string[], digits: string): number {
  if (prefixes.length === 0) return 0;
  let longest = -1;
  for (const prefix of prefixes) {
    if (digits.startsWith(prefix) && prefix.length > longest) longest = prefix.length;
  }
  return longest;
}

function digitsOf(value: string): string {
  return value.startsWith('+') ? value.slice(1) : value;
}
