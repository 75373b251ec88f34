import { expect } from 'chai';
import { WebSocket } from 'ws';
import { signedToken, startChatKit, type ChatKit } from './chat-kit.js';
import { connectRealtime, realtimeUrl, type RealtimeClient } from './ws-client.js';

type Client = Awaited<ReturnType<ChatKit['as']>>;

describe('WebSocket /v1/realtime', () => {
  let kit: ChatKit;
  let alice: Client;
  let conv: string;
  const sockets: RealtimeClient[] = [];
  const open = async (identity: string) => {
    const socket = await connectRealtime(kit.app.url, await kit.tokenFor(identity));
    sockets.push(socket);
    return socket;
  };
  const say = async (who: Client, body: string, id = conv) =>
    (
      await who<{ id: string; seq: number }>('POST', `/v1/conversations/${id}/messages`, {
        body: { body },
      })
    ).body;

  before(async () => {
    kit = await startChatKit();
    alice = await kit.as('alice');
    conv = (
      await alice<{ id: string }>('POST', '/v1/conversations', {
        body: { type: 'group', members: ['bob', 'carol'] },
      })
    ).body.id;
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
  });
  after(async () => {
    await kit.app.stop();
  });

  it('pushes a message to members with its position, and nothing to non-members', async () => {
    const [bob, mallory] = await Promise.all([open('bob'), open('mallory')]);
    const msg = await say(alice, 'hello realtime');
    const frame = await bob.waitFor(
      (f) => f.type === 'conversation.message.created' && f.data.id === msg.id,
    );
    expect(frame.position).to.be.a('number');
    expect(frame.data.body).to.equal('hello realtime');
    mallory.send({ type: 'typing', conversation_id: conv });
    await mallory.waitFor((f) => f.type === 'error' && f.data.code === 'not_a_member');
    expect(mallory.frames.filter((f) => f.type.startsWith('conversation.'))).to.deep.equal([]);
  });

  it('refuses a missing, forged or other-project token with 401 before upgrading', async () => {
    for (const token of ['', 'forged.token.value']) {
      const answer = await new Promise<{ status: number; type: string; body: string }>(
        (resolve) => {
          const ws = new WebSocket(realtimeUrl(kit.app.url, token));
          ws.on('unexpected-response', (_req, res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => {
              resolve({
                status: res.statusCode ?? 0,
                type: String(res.headers['content-type']),
                body,
              });
              ws.terminate();
            });
          });
          ws.on('error', () => undefined);
        },
      );
      expect(answer.status).to.equal(401);
      expect(answer.type).to.contain('application/problem+json');
      expect(JSON.parse(answer.body)).to.include({ status: 401, code: 'invalid_token' });
    }
  });

  it('relays typing to the other members, at most once per throttle window', async () => {
    const [bob, carol] = await Promise.all([open('bob'), open('carol')]);
    bob.send({ type: 'typing', conversation_id: conv });
    bob.send({ type: 'typing', conversation_id: conv });
    const typing = await carol.waitFor((f) => f.type === 'typing');
    expect(typing).to.deep.include({ position: null });
    expect(typing.data).to.include({ conversation_id: conv, identity: 'bob', expires_in_ms: 6000 });
    await new Promise((r) => setTimeout(r, 200));
    expect(carol.frames.filter((f) => f.type === 'typing')).to.have.length(1);
    expect(bob.frames.filter((f) => f.type === 'typing')).to.have.length(0);
  });

  it('announces presence online and offline to members who share a conversation', async () => {
    const carol = await open('carol');
    const bob = await open('bob');
    await carol.waitFor(
      (f) => f.type === 'presence' && f.data.identity === 'bob' && f.data.status === 'online',
    );
    await bob.close();
    await carol.waitFor(
      (f) => f.type === 'presence' && f.data.identity === 'bob' && f.data.status === 'offline',
    );
  });

  it('closes with 1009 for a frame over 64 KB and 1008 over the frame rate', async () => {
    const big = await open('bob');
    big.sendRaw('x'.repeat(65 * 1024));
    expect((await big.closed).code).to.equal(1009);
    const chatty = await open('bob');
    for (let i = 0; i < 100; i++) chatty.send({ type: 'ping' });
    expect((await chatty.closed).code).to.equal(1008);
  });

  it('answers every frame it accepted before closing with 1008 over the frame rate', async () => {
    const chatty = await open('bob');
    for (let i = 0; i < 40; i++) chatty.send({ type: 'ping' });
    expect((await chatty.closed).code).to.equal(1008);
    const pongs = chatty.frames.filter((f) => f.type === 'pong').length;
    expect(pongs, 'the burst of 30 is answered').to.be.within(30, 39);
  });

  it('closes with 4001 when the token expires', async () => {
    const token = await signedToken(kit, { sub: 'bob', ttlSec: 1 });
    const socket = await connectRealtime(kit.app.url, token);
    sockets.push(socket);
    expect((await socket.closed).code).to.equal(4001);
  });

  it('starts delivering a conversation to a live socket as soon as its identity is added', async () => {
    const dave = await open('dave');
    await new Promise((r) => setTimeout(r, 600));
    const other = (
      await alice<{ id: string }>('POST', '/v1/conversations', {
        body: { type: 'group', members: ['bob'] },
      })
    ).body.id;
    const before = await say(alice, 'before dave', other);
    await alice('POST', `/v1/conversations/${other}/members`, { body: { identity: 'dave' } });
    const after = await say(alice, 'after dave', other);
    await dave.waitFor((f) => f.data.id === after.id);
    const types = dave.frames.filter((f) => f.type.startsWith('conversation.')).map((f) => f.type);
    expect(types).to.deep.equal(['conversation.member.joined', 'conversation.message.created']);
    expect(dave.frames.some((f) => f.data.id === before.id)).to.equal(false);
  });

  it('stops delivering a conversation to a member as soon as it is removed', async () => {
    const carol = await open('carol');
    await alice('DELETE', `/v1/conversations/${conv}/members/carol`);
    await carol.waitFor(
      (f) => f.type === 'conversation.member.left' && f.data.identity === 'carol',
    );
    const after = await say(alice, 'not for carol');
    const bob = await open('bob');
    await bob.waitFor((f) => f.type === 'ready');
    await say(alice, 'marker');
    await new Promise((r) => setTimeout(r, 300));
    expect(carol.frames.some((f) => f.data.id === after.id || f.data.body === 'marker')).to.equal(
      false,
    );
    await alice('POST', `/v1/conversations/${conv}/members`, { body: { identity: 'carol' } });
  });
});
