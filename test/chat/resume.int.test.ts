import { expect } from 'chai';
import { startApp, type TestApp } from '../support/harness.js';
import { startChatKit, type ChatKit } from './chat-kit.js';
import { connectRealtime, type Frame, type RealtimeClient } from './ws-client.js';

type Client = Awaited<ReturnType<ChatKit['as']>>;

describe('realtime across two API instances, and resume', () => {
  let kit: ChatKit;
  let second: TestApp;
  let alice: Client;
  let conv: string;
  let quiet: string;
  const sockets: RealtimeClient[] = [];
  const open = async (app: TestApp, identity: string) => {
    const socket = await connectRealtime(app.url, await kit.tokenFor(identity));
    sockets.push(socket);
    return socket;
  };
  const say = async (body: string) =>
    (
      await alice<{ id: string; seq: number }>('POST', `/v1/conversations/${conv}/messages`, {
        body: { body },
      })
    ).body;
  const created = (frames: Frame[]) =>
    frames.filter((f) => f.type === 'conversation.message.created');

  before(async () => {
    kit = await startChatKit();
    second = await startApp();
    alice = await kit.as('alice');
    conv = (
      await alice<{ id: string }>('POST', '/v1/conversations', {
        body: { type: 'group', members: ['bob'] },
      })
    ).body.id;
    quiet = (
      await alice<{ id: string }>('POST', '/v1/conversations', {
        body: { type: 'group', members: ['bob'] },
      })
    ).body.id;
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
  });
  after(async () => {
    await second.stop();
    await kit.app.stop();
  });

  it('fans a message posted on one instance out to a socket on the other', async () => {
    const bob = await open(second, 'bob');
    const msg = await say('cross-instance');
    await bob.waitFor((f) => f.data.id === msg.id);
  });

  it('resumes without gaps or duplicates while events commit during the replay, one of them late', async () => {
    const first = await open(second, 'bob');
    const seen = await say('before the disconnect');
    const last = (await first.waitFor((f) => f.data.id === seen.id)).position!;
    await first.close();
    for (let i = 0; i < 40; i++) await say(`missed ${i}`);

    // A transaction that appends to a conversation stream and commits late: its event gets
    // an early transaction id but becomes visible only after the messages sent meanwhile.
    let commitLate!: () => void;
    const held = kit.app.runtime.db.transaction(async (trx) => {
      await kit.app.runtime.services.events.append(trx, {
        projectId: kit.project.id,
        streamType: 'conversation',
        streamId: quiet,
        events: [{ type: 'conversation.updated', data: { id: quiet, late: true } }],
      });
      await new Promise<void>((resolve) => (commitLate = resolve));
    });
    await new Promise((r) => setTimeout(r, 50));

    const bob = await open(second, 'bob');
    bob.send({ type: 'resume', position: last });
    const during = Promise.all(Array.from({ length: 20 }, (_, i) => say(`during ${i}`)));
    await new Promise((r) => setTimeout(r, 150));
    commitLate();
    await held;
    await during;
    const end = await say('end');
    await bob.waitFor((f) => f.data.id === end.id, 5000);

    const seqs = created(bob.frames).map((f) => f.data.seq as number);
    expect(seqs).to.deep.equal(
      Array.from({ length: end.seq - seen.seq }, (_, i) => seen.seq + 1 + i),
    );
    const positions = bob.frames
      .filter((f) => f.position !== null && f.type !== 'ready')
      .map((f) => f.position);
    expect(new Set(positions).size, 'no duplicates').to.equal(positions.length);
    expect(bob.frames.filter((f) => f.data.late === true)).to.have.length(1);
  });

  it('keeps one ordered stream when messages commit between connecting and the resume', async () => {
    const first = await open(kit.app, 'bob');
    const seen = await say('seen');
    const last = (await first.waitFor((f) => f.data.id === seen.id)).position!;
    await first.close();
    for (let i = 0; i < 5; i++) await say(`away ${i}`);
    const bob = await open(kit.app, 'bob');
    for (let i = 0; i < 3; i++) await say(`while connecting ${i}`);
    bob.send({ type: 'resume', position: last });
    const end = await say('end');
    await bob.waitFor((f) => f.data.id === end.id, 5000);
    const seqs = created(bob.frames).map((f) => f.data.seq as number);
    expect(seqs).to.deep.equal(
      Array.from({ length: end.seq - seen.seq }, (_, i) => seen.seq + 1 + i),
    );
  });

  it('fills the gap without duplicates when the resume comes after the socket went live', async () => {
    const first = await open(kit.app, 'bob');
    const seen = await say('seen late');
    const last = (await first.waitFor((f) => f.data.id === seen.id)).position!;
    await first.close();
    for (let i = 0; i < 4; i++) await say(`gap ${i}`);
    const bob = await open(kit.app, 'bob');
    await new Promise((r) => setTimeout(r, 800));
    const live = await say('live');
    await bob.waitFor((f) => f.data.id === live.id);
    bob.send({ type: 'resume', position: last });
    const end = await say('end late');
    await bob.waitFor((f) => f.data.id === end.id, 5000);
    const seqs = created(bob.frames).map((f) => f.data.seq as number);
    expect([...seqs].sort((a, b) => a - b)).to.deep.equal(
      Array.from({ length: end.seq - seen.seq }, (_, i) => seen.seq + 1 + i),
    );
  });

  it('answers resync_required for an unknown position', async () => {
    const bob = await open(kit.app, 'bob');
    bob.send({ type: 'resume', position: 987654321 });
    const frame = await bob.waitFor((f) => f.type === 'resync_required');
    expect(frame.data.reason).to.equal('unknown_position');
  });
});
