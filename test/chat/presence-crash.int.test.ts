import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { ChatFeature } from '../../src/chat/index.js';
import { DEFAULT_REALTIME_OPTIONS } from '../../src/chat/realtime/gateway.js';
import { createPresence } from '../../src/chat/realtime/presence.js';
import { harnessSettings } from '../support/harness.js';
import { secondChatFeature, startChatKit, type ChatKit } from './chat-kit.js';
import { connectRealtime, type RealtimeClient } from './ws-client.js';

const TTL_MS = 300;

/**
 * Presence after an API instance dies without closing its sockets (kill -9): the instance is
 * simulated by a presence entry that is written once and never refreshed; two API instances
 * with a short presence TTL (each a chat feature on its own HTTP server) live on.
 */
describe('presence after an API instance crashes', () => {
  let kit: ChatKit;
  const instances: Array<{ chat: ChatFeature; server: Server }> = [];
  const sockets: RealtimeClient[] = [];

  async function startInstance() {
    const chat = secondChatFeature(kit, {
      options: { realtime: { ...DEFAULT_REALTIME_OPTIONS, presenceTtlMs: TTL_MS } },
    });
    const server = createServer((_req, res) => res.writeHead(404).end());
    chat.feature.onServer!(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await chat.feature.start!();
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    instances.push({ chat, server });
    return url;
  }

  before(async () => {
    kit = await startChatKit();
    await kit.operator('POST', '/v1/conversations', {
      body: { type: 'group', members: ['alice', 'bob'] },
    });
  });
  after(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    for (const { chat, server } of instances) {
      await chat.feature.stop!();
      await new Promise((resolve) => server.close(resolve));
    }
    await kit.app.stop();
  });

  it('announces offline once to co-members when the crashed socket ages out', async () => {
    const [first, second] = [await startInstance(), await startInstance()];
    const crashed = createPresence({
      redis: kit.app.runtime.redis,
      prefix: harnessSettings.redisPrefix,
      ttlMs: TTL_MS,
    });
    await crashed.connect(kit.project.id, 'bob', 'socket-of-the-crashed-instance', Date.now());
    const alice = await connectRealtime(first, await kit.tokenFor('alice'));
    const outsider = await connectRealtime(second, await kit.tokenFor('mallory'));
    sockets.push(alice, outsider);
    const offline = await alice.waitFor(
      (f) => f.type === 'presence' && f.data.identity === 'bob' && f.data.status === 'offline',
      10 * TTL_MS,
    );
    expect(offline).to.deep.include({ position: null });
    // Both instances swept for a while longer: still one announcement.
    await new Promise((resolve) => setTimeout(resolve, 2 * TTL_MS));
    const frames = alice.frames.filter((f) => f.type === 'presence' && f.data.identity === 'bob');
    expect(frames.map((f) => f.data.status)).to.deep.equal(['offline']);
    expect(outsider.frames.filter((f) => f.type === 'presence')).to.deep.equal([]);
  });
});
