import { expect } from 'chai';
import { startChatKit, type ChatKit } from './chat-kit.js';
import { connectRealtime, type Frame, type RealtimeClient } from './ws-client.js';

type Client = Awaited<ReturnType<ChatKit['as']>>;

/**
 * What a resume replays: the messages as REST shows them now (no deleted or superseded
 * text), and each event judged by the membership at its place in the log, as a socket
 * connected all along would have been.
 */
describe('realtime resume replays the log as REST and a live socket would show it', () => {
  let kit: ChatKit;
  let alice: Client;
  /** A conversation bob stays in: the marker that the replay is over. */
  let quiet: string;
  const sockets: RealtimeClient[] = [];
  /** Alice's socket, open throughout: it shows what the realtime tailer has read. */
  let watcher: RealtimeClient;
  const open = async (identity: string) => {
    const socket = await connectRealtime(kit.app.url, await kit.tokenFor(identity));
    sockets.push(socket);
    return socket;
  };
  const say = async (conversationId: string, body: string) =>
    (
      await alice<{ id: string; seq: number }>(
        'POST',
        `/v1/conversations/${conversationId}/messages`,
        { body: { body } },
      )
    ).body;
  const group = async (members: string[]) =>
    (
      await alice<{ id: string }>('POST', '/v1/conversations', {
        body: { type: 'group', members },
      })
    ).body.id;

  /** Bob's last position before he goes offline. */
  const lastSeen = async () => {
    const bob = await open('bob');
    const mark = await say(quiet, 'going offline');
    const position = (await bob.waitFor((f) => f.data.id === mark.id)).position!;
    await bob.close();
    return position;
  };

  /**
   * Bob reconnects once the log up to now is readable (the tailer read it: a transaction of
   * another test run on the same server can hold it back), resumes from `position`, and has
   * received the whole replay. What the log held before he connected is replayed, not live.
   */
  const resume = async (position: number) => {
    const settled = await say(quiet, 'settled');
    await watcher.waitFor((f) => f.data.id === settled.id, 10_000);
    const bob = await open('bob');
    bob.send({ type: 'resume', position });
    const end = await say(quiet, 'back online');
    await bob.waitFor((f) => f.data.id === end.id, 5000);
    return bob.frames.filter((f) => f.type.startsWith('conversation.'));
  };
  const about = (frames: Frame[], id: string) => frames.filter((f) => f.data.id === id);

  before(async () => {
    kit = await startChatKit();
    alice = await kit.as('alice');
    quiet = await group(['bob']);
    watcher = await connectRealtime(kit.app.url, await kit.tokenFor('alice'));
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
  });
  after(async () => {
    await watcher.close();
    await kit.app.stop();
  });

  it('replays a deleted message without its text', async () => {
    const conv = await group(['bob']);
    const secret = await say(conv, 'TOP SECRET');
    await alice('DELETE', `/v1/conversations/${conv}/messages/${secret.id}`);
    const frames = await resume(0);
    const replayed = about(frames, secret.id);
    expect(replayed.map((f) => f.type)).to.deep.equal([
      'conversation.message.created',
      'conversation.message.deleted',
    ]);
    for (const frame of replayed) {
      expect(frame.data).to.include({ body: null, deleted: true });
      expect(frame.data.attachments).to.deep.equal([]);
    }
    expect(JSON.stringify(frames)).not.to.contain('TOP SECRET');
  });

  it('replays an edited message without its old text', async () => {
    const conv = await group(['bob']);
    const from = await lastSeen();
    const msg = await say(conv, 'my password is hunter2');
    await alice('PATCH', `/v1/conversations/${conv}/messages/${msg.id}`, {
      body: { body: 'my password is hunter3' },
    });
    await alice('PATCH', `/v1/conversations/${conv}/messages/${msg.id}`, {
      body: { body: 'nothing to see' },
    });
    const frames = await resume(from);
    const replayed = about(frames, msg.id);
    expect(replayed.map((f) => f.type)).to.deep.equal([
      'conversation.message.created',
      'conversation.message.updated',
      'conversation.message.updated',
    ]);
    for (const frame of replayed) expect(frame.data.body).to.equal('nothing to see');
    expect(JSON.stringify(frames)).not.to.contain('hunter');
  });

  it('replays to a member removed while offline what it got until the removal, and its removal', async () => {
    const conv = await group(['bob', 'carol']);
    const from = await lastSeen();
    const before = await say(conv, 'while bob is a member');
    await alice('DELETE', `/v1/conversations/${conv}/members/bob`);
    const after = await say(conv, 'after bob left');
    const frames = await resume(from);
    const inConv = frames.filter((f) => f.data.conversation_id === conv);
    expect(inConv.map((f) => [f.type, f.data.id ?? f.data.identity])).to.deep.equal([
      ['conversation.message.created', before.id],
      ['conversation.member.left', 'bob'],
    ]);
    expect(about(frames, after.id)).to.deep.equal([]);
    const live = await say(conv, 'live after bob left');
    const end = await say(quiet, 'end of the removal test');
    await sockets[sockets.length - 1].waitFor((f) => f.data.id === end.id);
    expect(about(sockets[sockets.length - 1].frames, live.id)).to.deep.equal([]);
  });

  it('replays the archiving of a conversation archived while the member was offline', async () => {
    const conv = await group(['bob']);
    const from = await lastSeen();
    const last = await say(conv, 'last words');
    await alice('DELETE', `/v1/conversations/${conv}`);
    const frames = await resume(from);
    expect(about(frames, last.id).map((f) => f.type)).to.deep.equal([
      'conversation.message.created',
    ]);
    expect(about(frames, conv).map((f) => f.type)).to.deep.equal(['conversation.archived']);
  });

  it('replays to a member added while offline only what came after it joined', async () => {
    const conv = await group(['carol']);
    const from = await lastSeen();
    const before = await say(conv, 'before bob joined');
    await alice('POST', `/v1/conversations/${conv}/members`, { body: { identity: 'bob' } });
    const after = await say(conv, 'after bob joined');
    const frames = await resume(from);
    const inConv = frames.filter((f) => f.data.conversation_id === conv);
    expect(inConv.map((f) => f.type)).to.deep.equal([
      'conversation.member.joined',
      'conversation.message.created',
    ]);
    expect(inConv[1].data.id).to.equal(after.id);
    expect(about(frames, before.id)).to.deep.equal([]);
    const live = await say(conv, 'live after bob joined');
    await sockets[sockets.length - 1].waitFor((f) => f.data.id === live.id);
  });

  it('replays from position 0 none of the messages sent before the member joined', async () => {
    const conv = await group(['carol']);
    const before = await say(conv, 'history before bob');
    await alice('POST', `/v1/conversations/${conv}/members`, { body: { identity: 'bob' } });
    const after = await say(conv, 'after bob joined, from 0');
    const frames = await resume(0);
    expect(about(frames, before.id)).to.deep.equal([]);
    expect(about(frames, after.id)).to.have.length(1);
  });

  it('fills a late gap by the membership of the time, and stays live with today’s', async () => {
    const conv = await group(['carol']);
    const from = await lastSeen();
    const before = await say(conv, 'gap before bob');
    await alice('POST', `/v1/conversations/${conv}/members`, { body: { identity: 'bob' } });
    const inGap = await say(conv, 'gap after bob');
    const settled = await say(quiet, 'settled before the gap');
    await watcher.waitFor((f) => f.data.id === settled.id, 10_000);
    const bob = await open('bob');
    await new Promise((r) => setTimeout(r, 800));
    bob.send({ type: 'resume', position: from });
    const live = await say(conv, 'live after the gap');
    await bob.waitFor((f) => f.data.id === live.id, 5000);
    await bob.waitFor((f) => f.data.id === inGap.id, 5000);
    expect(about(bob.frames, before.id)).to.deep.equal([]);
  });
});
