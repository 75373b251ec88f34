import { expect } from 'chai';
import { createSilentLogger } from '../../src/platform/index.js';
import { createWebhookReceiver, type WebhookReceiver } from '../../src/webhooks/index.js';
import { startChatKit, type ChatKit } from './chat-kit.js';

type Client = Awaited<ReturnType<ChatKit['as']>>;
interface Msg {
  id: string;
  seq: number;
  author: string;
  body: string | null;
  mentions: string[];
  reply_to: string | null;
  deleted: boolean;
  pinned: boolean;
  forwarded_from: string | null;
  reactions: Array<{ emoji: string; count: number; identities: string[] }>;
}

describe('conversation messages', () => {
  let kit: ChatKit;
  let alice: Client;
  let bob: Client;
  let carol: Client;
  let conv: string;
  let receiver: WebhookReceiver;
  const post = (who: Client, body: Record<string, unknown>, id = conv) =>
    who<Msg>('POST', `/v1/conversations/${id}/messages`, { body });

  before(async () => {
    kit = await startChatKit();
    receiver = createWebhookReceiver({
      secret: kit.project.webhookSecret,
      logger: createSilentLogger(),
    });
    const { url } = await receiver.start();
    await kit.operator('PATCH', '/v1/project', { body: { webhook_url: url } });
    [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((i) => kit.as(i)));
    conv = (
      await alice<{ id: string }>('POST', '/v1/conversations', {
        body: { type: 'group', members: ['bob'] },
      })
    ).body.id;
  });
  after(async () => {
    await receiver.stop();
    await kit.app.stop();
  });

  it('numbers messages with a gap-free seq even when sent concurrently', async () => {
    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(i % 2 ? alice : bob, { body: `m${i}` })),
    );
    const seqs = sent.map((r) => r.body.seq).sort((a, b) => a - b);
    expect(seqs[0]).to.equal(1);
    expect(seqs).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('makes racing sends with the same client_id produce one message', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => post(alice, { body: 'once', client_id: 'c-1' })),
    );
    expect(new Set(results.map((r) => r.body.id)).size).to.equal(1);
    expect(results.filter((r) => r.status === 201)).to.have.length(1);
    expect(results.filter((r) => r.status === 200)).to.have.length(7);
    const other = await post(bob, { body: 'once', client_id: 'c-1' });
    expect(other.status, 'client_id is per identity').to.equal(201);
  });

  it('refuses bodies over 32 KB (413), empty messages (422) and another author (403)', async () => {
    expect((await post(alice, { body: 'é'.repeat(16 * 1024 + 1) })).status).to.equal(413);
    expect((await post(alice, { body: '   ' })).status).to.equal(422);
    expect((await post(alice, { body: 'hi', author: 'bob' })).status).to.equal(403);
    expect((await post(alice, { body: 'hi', extra: 1 })).status).to.equal(400);
  });

  it('refuses to edit a text-only message to a blank body (422 empty_message)', async () => {
    const msg = await post(alice, { body: 'keep me' });
    const path = `/v1/conversations/${conv}/messages/${msg.body.id}`;
    const blank = await alice('PATCH', path, { body: { body: '   ' } });
    expect(blank.status).to.equal(422);
    expect(blank.body).to.include({ code: 'empty_message' });
    const page = await alice<{ data: Msg[] }>('GET', `/v1/conversations/${conv}/messages?limit=5`);
    expect(page.body.data.find((m) => m.id === msg.body.id)?.body).to.equal('keep me');
  });

  it('parses @mentions of members only, and keeps reply_to', async () => {
    const first = await post(alice, { body: 'first' });
    const reply = await post(bob, {
      body: 'hey @alice, @carol and @alice: see this',
      reply_to: first.body.id,
    });
    expect(reply.body.mentions).to.deep.equal(['alice']);
    expect(reply.body.reply_to).to.equal(first.body.id);
  });

  it('lets only the author edit and the author or an admin delete, leaving a tombstone', async () => {
    const msg = await post(bob, { body: 'typo' });
    expect(
      (
        await alice('PATCH', `/v1/conversations/${conv}/messages/${msg.body.id}`, {
          body: { body: 'x' },
        })
      ).status,
    ).to.equal(403);
    const edited = await bob<Msg>('PATCH', `/v1/conversations/${conv}/messages/${msg.body.id}`, {
      body: { body: 'fixed @alice' },
    });
    expect(edited.body.body).to.equal('fixed @alice');
    expect(edited.body.mentions).to.deep.equal(['alice']);
    const own = await post(alice, { body: 'mine' });
    expect(
      (await bob('DELETE', `/v1/conversations/${conv}/messages/${own.body.id}`)).status,
    ).to.equal(403);
    const gone = await alice<Msg>('DELETE', `/v1/conversations/${conv}/messages/${msg.body.id}`);
    expect(gone.body).to.include({ deleted: true, body: null, seq: msg.body.seq });
    const page = await alice<{ data: Msg[] }>(
      'GET',
      `/v1/conversations/${conv}/messages?limit=200`,
    );
    expect(page.body.data.find((m) => m.id === msg.body.id)?.deleted).to.equal(true);
  });

  it('keeps one reaction per identity and emoji, accepts multi-code-point emoji, refuses text', async () => {
    const msg = await post(alice, { body: 'react to me' });
    const path = (e: string) =>
      `/v1/conversations/${conv}/messages/${msg.body.id}/reactions/${encodeURIComponent(e)}`;
    for (const emoji of ['👍', '👍', '👩🏽‍💻', '🇫🇷'])
      expect((await bob('POST', path(emoji))).status).to.equal(200);
    const res = await alice<Msg>('POST', path('👍'));
    expect(res.body.reactions.find((r) => r.emoji === '👍')).to.deep.equal({
      emoji: '👍',
      count: 2,
      identities: ['bob', 'alice'],
    });
    expect(res.body.reactions.map((r) => r.emoji)).to.include.members(['👩🏽‍💻', '🇫🇷']);
    expect((await bob('POST', path('ok'))).status).to.equal(400);
    expect((await bob('POST', path('👍👍'))).status).to.equal(400);
    expect((await carol('POST', path('👍'))).status).to.equal(404);
    const removed = await bob<Msg>('DELETE', path('👍'));
    expect(removed.body.reactions.find((r) => r.emoji === '👍')?.count).to.equal(1);
  });

  it("keeps a message's reactions in search results and in its updated and pinned events", async () => {
    const msg = await post(alice, { body: 'porcupine sighting' });
    const reactionPath = `/v1/conversations/${conv}/messages/${msg.body.id}/reactions/${encodeURIComponent('👍')}`;
    expect((await bob('POST', reactionPath)).status).to.equal(200);
    const thumbs = [{ emoji: '👍', count: 1, identities: ['bob'] }];

    const found = await alice<{ data: Msg[] }>('GET', '/v1/search/messages?q=porcupine');
    expect(found.body.data.map((m) => m.reactions)).to.deep.equal([thumbs]);

    const path = `/v1/conversations/${conv}/messages/${msg.body.id}`;
    expect((await alice('PATCH', path, { body: { body: 'porcupine, two' } })).status).to.equal(200);
    expect((await alice('POST', `${path}/pin`)).status).to.equal(200);
    for (const type of ['conversation.message.updated', 'conversation.message.pinned']) {
      const event = await receiver.waitFor(
        (e) => e.type === type && (e.data as { id?: string }).id === msg.body.id,
        5000,
      );
      expect((event.data as Msg).reactions, type).to.deep.equal(thumbs);
    }
  });

  it('pages messages newest first with a cursor', async () => {
    const first = await alice<{ data: Msg[]; next_cursor: string }>(
      'GET',
      `/v1/conversations/${conv}/messages?limit=5`,
    );
    expect(first.body.data).to.have.length(5);
    const second = await alice<{ data: Msg[] }>(
      'GET',
      `/v1/conversations/${conv}/messages?limit=5&cursor=${first.body.next_cursor}`,
    );
    expect(second.body.data[0].seq).to.equal(first.body.data[4].seq - 1);
    const after = await alice<{ data: Msg[] }>(
      'GET',
      `/v1/conversations/${conv}/messages?after=2&limit=2`,
    );
    expect(after.body.data.map((m) => m.seq)).to.deep.equal([3, 4]);
    for (const query of ['before=99999999999999999999', 'after=1e300']) {
      const res = await alice('GET', `/v1/conversations/${conv}/messages?${query}`);
      expect(res.status, query).to.equal(400);
    }
    // The same numbers inside a cursor were a 500 (PostgreSQL's bigint refused "1e+21").
    for (const inside of [{ before: 1e21 }, { after: 1e300 }, { before: 2 ** 53 }]) {
      const cursor = Buffer.from(JSON.stringify(inside)).toString('base64url');
      const res = await alice<{ code: string }>(
        'GET',
        `/v1/conversations/${conv}/messages?cursor=${cursor}`,
      );
      expect([res.status, res.body.code], JSON.stringify(inside)).to.deep.equal([
        400,
        'invalid_cursor',
      ]);
    }
  });

  it('pins for admins only and forwards into another conversation of the sender', async () => {
    const msg = await post(bob, { body: 'pin me' });
    expect(
      (await bob('POST', `/v1/conversations/${conv}/messages/${msg.body.id}/pin`)).status,
    ).to.equal(403);
    const pinned = await alice<Msg>(
      'POST',
      `/v1/conversations/${conv}/messages/${msg.body.id}/pin`,
    );
    expect(pinned.body.pinned).to.equal(true);
    const other = (
      await bob<{ id: string }>('POST', '/v1/conversations', {
        body: { type: 'direct', members: ['carol'] },
      })
    ).body.id;
    const fwd = await bob<Msg>(
      'POST',
      `/v1/conversations/${conv}/messages/${msg.body.id}/forward`,
      { body: { conversation_id: other } },
    );
    expect(fwd.status).to.equal(201);
    expect(fwd.body).to.include({ forwarded_from: msg.body.id, body: 'pin me', author: 'bob' });
    const notMine = await alice(
      'POST',
      `/v1/conversations/${conv}/messages/${msg.body.id}/forward`,
      { body: { conversation_id: other } },
    );
    expect(notMine.status).to.equal(404);
  });

  it('sends conversation.message.created webhooks from the same log', async () => {
    const msg = await post(alice, { body: 'webhook me' });
    const event = await receiver.waitFor(
      (e) => e.type === 'conversation.message.created' && (e.data as Msg).id === msg.body.id,
      5000,
    );
    expect(event.verified).to.equal(true);
    expect((event.data as Msg).body).to.equal('webhook me');
  });
});
