import type { Logger } from '../../platform/index.js';
import type { Presence, PresenceChange } from './presence.js';

/** A socket of this instance, as presence knows it. */
export interface PresenceSocket {
  projectId: string;
  identity: string;
  socketId: string;
}

/**
 * Every API instance's presence round, each `intervalMs` (a third of the TTL): refreshes the
 * heartbeat of its own sockets, then sweeps the sockets whose instance stopped refreshing
 * them (it crashed) and announces `offline` for the identities that left without any socket.
 * Every instance sweeps, so one crash is noticed while any instance lives; the sweep's atomic
 * removal picks the one instance that announces each identity. A round still running when
 * the next is due lets that one pass.
 */
export function createPresenceUpkeep(deps: {
  presence: Presence;
  sockets: () => PresenceSocket[];
  /** Announces a change to the identity's co-members (the conversations are looked up when absent). */
  announce: (change: PresenceChange, status: 'online' | 'offline') => Promise<void>;
  now: () => number;
  intervalMs: number;
  logger: Logger;
}) {
  let timer: NodeJS.Timeout | null = null;
  let running = false;

  async function round() {
    const refreshed = deps.sockets();
    const back = await deps.presence.heartbeat(refreshed, deps.now());
    // A socket that closed while the round was on its way was added back by it: removed
    // again, and its identity not announced online (co-members saw online after offline,
    // and a ghost socket until the next sweep).
    const open = deps.sockets();
    const openIds = new Set(open.map((socket) => socket.socketId));
    for (const socket of refreshed) {
      if (!openIds.has(socket.socketId)) {
        await deps.presence.disconnect(socket.projectId, socket.identity, socket.socketId);
      }
    }
    const present = new Set(open.map((socket) => `${socket.projectId}|${socket.identity}`));
    for (const change of back) {
      if (present.has(`${change.projectId}|${change.identity}`))
        await deps.announce(change, 'online');
    }
    const gone = await deps.presence.sweep(deps.now());
    for (const change of gone) await deps.announce(change, 'offline');
  }

  return {
    /** One round now (the timer's work; tests call it to skip the wait). */
    async runOnce() {
      if (running) return;
      running = true;
      try {
        await round();
      } catch (err) {
        deps.logger.warn({ err }, 'presence upkeep failed');
      } finally {
        running = false;
      }
    },
    start() {
      timer ??= setInterval(() => void this.runOnce(), deps.intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
