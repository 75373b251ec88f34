import { expect } from 'chai';
import { startChatKit, type ChatKit } from './chat-kit.js';

type Client = Awaited<ReturnType<ChatKit['as']>>;
interface Unread {
  total: number;
  conversations: Array<{ conversation_id: string; unread_count: number }>;
}

describe('read horizons, unread counts and search', () => {
  let kit: ChatKit;
  let alice: Client;
  let bob: Client;
  let one: string;
  let two: string;
  const send = async (
    who: Client,
    conv: string,
    body: string,
    extra: Record<string, unknown> = {},
  ) =>
    (
      await who<{ id: string; seq: number }>('POST', `/v1/conversations/${conv}/messages`, {
        body: { body, ...extra },
      })
    ).body;

  before(async () => {
    kit = await startChatKit();
    [alice, bob] = await Promise.all(['alice', 'bob'].map((i) => kit.as(i)));
    one = (
      await alice<{ id: string }>('POST', '/v1/conversations', {
        body: { type: 'group', members: ['bob'] },
      })
    ).body.id;
    two = (
      await alice<{ id: string }>('POST', '/v1/conversations', {
        body: { type: 'direct', members: ['bob'] },
      })
    ).body.id;
  });
  after(async () => {
    await kit.app.stop();
  });

  it("counts others' live messages past the horizon, per conversation and in total", async () => {
    const m1 = await send(alice, one, 'one');
    await send(alice, one, 'two');
    const m3 = await send(alice, two, 'three');
    await send(bob, one, 'my own message does not count');
    const unread = await bob<Unread>('GET', '/v1/unread');
    expect(unread.body.total).to.equal(3);
    expect(unread.body.conversations).to.deep.include({ conversation_id: one, unread_count: 2 });
    await alice('DELETE', `/v1/conversations/${two}/messages/${m3.id}`);
    expect(
      (await bob<Unread>('GET', '/v1/unread')).body.total,
      'deleted messages do not count',
    ).to.equal(2);
    const read = await bob<{ unread_count: number; last_read_seq: number }>(
      'POST',
      `/v1/conversations/${one}/read`,
      {
        body: { message_id: m1.id },
      },
    );
    expect(read.body).to.include({ unread_count: 1, last_read_seq: m1.seq });
    const list = await bob<{ data: Array<{ id: string; unread_count: number }> }>(
      'GET',
      '/v1/conversations',
    );
    expect(list.body.data.find((c) => c.id === one)?.unread_count).to.equal(1);
  });

  it('shows an archived conversation its real unread count, and leaves it out of the total', async () => {
    const archived = (
      await alice<{ id: string }>('POST', '/v1/conversations', {
        body: { type: 'group', members: ['bob'], name: 'to archive' },
      })
    ).body.id;
    await send(alice, archived, 'before the archive');
    const before = (await bob<Unread>('GET', '/v1/unread')).body.total;
    expect((await kit.operator('DELETE', `/v1/conversations/${archived}`)).status).to.equal(200);
    const list = await bob<{ data: Array<{ id: string; unread_count: number }> }>(
      'GET',
      '/v1/conversations?include_archived=true',
    );
    expect(list.body.data.find((c) => c.id === archived)?.unread_count).to.equal(1);
    expect((await bob<Unread>('GET', '/v1/unread')).body.total).to.equal(before - 1);
  });

  it('moves the horizon forward only', async () => {
    const a = await send(alice, one, 'a');
    const b = await send(alice, one, 'b');
    await bob('POST', `/v1/conversations/${one}/read`, { body: { message_id: b.id } });
    const back = await bob<{ last_read_seq: number; unread_count: number }>(
      'POST',
      `/v1/conversations/${one}/read`,
      {
        body: { message_id: a.id },
      },
    );
    expect(back.body).to.include({ last_read_seq: b.seq, unread_count: 0 });
  });

  it('marks a message read by more members at once than the pool has connections', async function () {
    // Each read marker held its transaction's connection while it read the privacy settings
    // through the pool: eleven at once held all ten and waited 60 s for an eleventh (500s).
    this.timeout(20_000);
    const readers = Array.from({ length: 14 }, (_, i) => `reader${i}`);
    const clients = await Promise.all(readers.map((r) => kit.as(r)));
    const group = (
      await alice<{ id: string }>('POST', '/v1/conversations', {
        body: { type: 'group', members: readers },
      })
    ).body.id;
    const message = await send(alice, group, 'read me, all of you');
    const started = Date.now();
    const answers = await Promise.all(
      clients.map((reader) =>
        reader<{ last_read_seq: number }>('POST', `/v1/conversations/${group}/read`, {
          body: { message_id: message.id },
        }),
      ),
    );
    expect(answers.map((a) => a.status)).to.deep.equal(readers.map(() => 200));
    expect(answers.every((a) => a.body.last_read_seq === message.seq)).to.equal(true);
    expect(Date.now() - started).to.be.below(10_000);
  });

  it("hides a private reader's horizon from others but keeps its unread counts", async () => {
    const saved = await bob('PATCH', '/v1/identities/bob/settings', {
      body: { read_receipts_private: true },
    });
    expect(saved.status).to.equal(200);
    expect(
      (
        await alice('PATCH', '/v1/identities/bob/settings', {
          body: { read_receipts_private: false },
        })
      ).status,
    ).to.equal(403);
    const m = await send(alice, one, 'private read');
    await bob('POST', `/v1/conversations/${one}/read`, { body: { message_id: m.id } });
    type Conv = { members: Array<{ identity: string; last_read_seq: number | null }> };
    const seenByAlice = await alice<Conv>('GET', `/v1/conversations/${one}`);
    expect(seenByAlice.body.members.find((x) => x.identity === 'bob')?.last_read_seq).to.equal(
      null,
    );
    const seenByBob = await bob<Conv>('GET', `/v1/conversations/${one}`);
    expect(seenByBob.body.members.find((x) => x.identity === 'bob')?.last_read_seq).to.equal(m.seq);
    expect((await bob<Unread>('GET', '/v1/unread')).body.conversations).to.deep.include({
      conversation_id: one,
      unread_count: 0,
    });
  });

  it('answers unread for an identity given by the operator, and 400 without one', async () => {
    expect((await kit.operator<Unread>('GET', '/v1/unread?identity=bob')).status).to.equal(200);
    expect((await kit.operator('GET', '/v1/unread')).status).to.equal(400);
  });

  it("searches full text only in the identity's conversations, with filters", async () => {
    const secret = (
      await kit.operator<{ id: string }>('POST', '/v1/conversations', {
        body: { type: 'group', members: ['carol'] },
      })
    ).body.id;
    await send(kit.operator, secret, 'quarterly budget secret', { author: 'carol' });
    await send(alice, one, 'the quarterly budget draft for @bob');
    await send(bob, one, 'budget looks fine');
    const found = await bob<{ data: Array<{ body: string; author: string }> }>(
      'GET',
      '/v1/search/messages?q=budget',
    );
    expect(found.body.data.map((m) => m.body)).to.deep.equal([
      'budget looks fine',
      'the quarterly budget draft for @bob',
    ]);
    const fromAlice = await bob<{ data: unknown[] }>(
      'GET',
      '/v1/search/messages?q=budget&sender=alice',
    );
    expect(fromAlice.body.data).to.have.length(1);
    const mentioning = await bob<{ data: unknown[] }>(
      'GET',
      '/v1/search/messages?q=budget&mentions_me=true',
    );
    expect(mentioning.body.data).to.have.length(1);
    const operatorMentions = await kit.operator<{ data: unknown[] }>(
      'GET',
      '/v1/search/messages?q=budget&mentions_me=true&identity=bob',
    );
    expect(operatorMentions.body.data).to.have.length(1);
    const nobody = await kit.operator('GET', '/v1/search/messages?q=budget&mentions_me=true');
    expect(nobody.status, 'mentions_me with an API key and no identity').to.equal(400);
    const paged = await bob<{ data: unknown[]; next_cursor: string }>(
      'GET',
      '/v1/search/messages?q=budget&limit=1',
    );
    const next = await bob<{ data: Array<{ body: string }> }>(
      'GET',
      `/v1/search/messages?q=budget&limit=1&cursor=${paged.body.next_cursor}`,
    );
    expect(next.body.data[0].body).to.equal('the quarterly budget draft for @bob');
  });
});
