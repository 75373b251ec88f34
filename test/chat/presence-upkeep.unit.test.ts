import { expect } from 'chai';
import {
  createPresenceUpkeep,
  type PresenceSocket,
} from '../../src/chat/realtime/presence-upkeep.js';
import type { Presence } from '../../src/chat/realtime/presence.js';
import { createSilentLogger } from '../../src/platform/index.js';

describe('presence upkeep', () => {
  it('takes back a socket that closed while its heartbeat was on its way, announcing nothing', async () => {
    const socket: PresenceSocket = { projectId: 'prj_1', identity: 'alice', socketId: 's1' };
    let sockets = [socket];
    const removed: string[] = [];
    const announced: string[] = [];
    const presence = {
      // The socket closes while the heartbeat is in flight; the heartbeat adds it back.
      heartbeat: async () => {
        sockets = [];
        return [{ projectId: 'prj_1', identity: 'alice' }];
      },
      disconnect: async (_p: string, _i: string, socketId: string) => {
        removed.push(socketId);
        return true;
      },
      sweep: async () => [],
    } as unknown as Presence;
    const upkeep = createPresenceUpkeep({
      presence,
      sockets: () => sockets,
      announce: async (change, status) => void announced.push(`${change.identity}:${status}`),
      now: () => 0,
      intervalMs: 1000,
      logger: createSilentLogger(),
    });
    await upkeep.runOnce();
    expect(removed).to.deep.equal(['s1']);
    expect(announced).to.deep.equal([]);
  });
});
