import type { SmppBindConfig } from './smpp-url.js';

/**
 * The binds that log in to one SMSC account (same host, port and system_id). An SMSC
 * delivers an account's receipts and MO parts on any of its bound receiving sessions (Jasmin
 * does), so a receipt for a part submitted on one bind may come on another: matching must
 * span the account's binds. Never beyond the account: two accounts' message ids may collide.
 *
 * @returns for a bind id, the ids of every bind of its account in configured order (the first
 * names the account); an id no config has stands alone.
 */
export function bindsByAccount(
  configs: ReadonlyArray<Pick<SmppBindConfig, 'id' | 'host' | 'port' | 'systemId'>>,
): (bindId: string) => readonly string[] {
  const byAccount = new Map<string, string[]>();
  const accountOf = new Map<string, string[]>();
  for (const config of configs) {
    const key = JSON.stringify([config.host.toLowerCase(), config.port, config.systemId]);
    const binds = byAccount.get(key) ?? [];
    binds.push(config.id);
    byAccount.set(key, binds);
    accountOf.set(config.id, binds);
  }
  return (bindId) => accountOf.get(bindId) ?? [bindId];
}
