import { expect } from 'chai';
import { createSilentLogger } from '../../src/platform/index.js';
import { createWebhookReceiver, type WebhookReceiver } from '../../src/webhooks/index.js';
import { startChatKit, type ChatKit } from './chat-kit.js';

type Client = Awaited<ReturnType<ChatKit['as']>>;
interface Conv {
  id: string;
  type: string;
  members: Array<{ identity: string; role: string; last_read_seq: number | null }>;
  unread_count?: number;
}

describe('conversations and members', () => {
  let kit: ChatKit;
  let alice: Client;
  let bob: Client;
  let carol: Client;
  let receiver: WebhookReceiver;

  before(async () => {
    kit = await startChatKit();
    receiver = createWebhookReceiver({
      secret: kit.project.webhookSecret,
      logger: createSilentLogger(),
    });
    const { url } = await receiver.start();
    await kit.operator('PATCH', '/v1/project', { body: { webhook_url: url } });
    [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((i) => kit.as(i)));
  });
  after(async () => {
    await receiver.stop();
    await kit.app.stop();
  });

  describe('POST /v1/conversations type direct', () => {
    it('returns the existing conversation when the same pair is created again, in any order', async () => {
      const first = await alice<Conv>('POST', '/v1/conversations', {
        body: { type: 'direct', members: ['bob'] },
      });
      expect(first.status).to.equal(201);
      const again = await bob<Conv>('POST', '/v1/conversations', {
        body: { type: 'direct', members: ['alice'] },
      });
      expect(again.status).to.equal(200);
      expect(again.body.id).to.equal(first.body.id);
      const byKey = await kit.operator<Conv>('POST', '/v1/conversations', {
        body: { type: 'direct', members: ['bob', 'alice'] },
      });
      expect(byKey.body.id).to.equal(first.body.id);
    });

    it('creates one conversation when the same pair races', async () => {
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          kit.operator<Conv>('POST', '/v1/conversations', {
            body: { type: 'direct', members: ['dan', 'erin'] },
          }),
        ),
      );
      expect(new Set(results.map((r) => r.body.id)).size).to.equal(1);
    });

    it('brings back a member who left when the pair is asked for again, with its history', async () => {
      const first = await alice<Conv>('POST', '/v1/conversations', {
        body: { type: 'direct', members: ['frank'] },
      });
      expect(first.status).to.equal(201);
      const id = first.body.id;
      const sent = await alice('POST', `/v1/conversations/${id}/messages`, {
        body: { body: 'before leaving' },
      });
      expect(sent.status).to.equal(201);
      expect((await alice('DELETE', `/v1/conversations/${id}/members/alice`)).status).to.equal(204);
      const again = await alice<Conv>('POST', '/v1/conversations', {
        body: { type: 'direct', members: ['frank'] },
      });
      expect(again.status).to.equal(200);
      expect(again.body.id).to.equal(id);
      expect(again.body.members.map((m) => m.identity)).to.have.members(['alice', 'frank']);
      const history = await alice<{ data: Array<{ body: string }> }>(
        'GET',
        `/v1/conversations/${id}/messages`,
      );
      expect(history.body.data.map((m) => m.body)).to.include('before leaving');
      await receiver.waitFor(
        (e) =>
          e.type === 'conversation.member.joined' &&
          (e.data as { conversation_id: string }).conversation_id === id &&
          (e.data as { member: { identity: string } }).member.identity === 'alice',
        5000,
      );
    });

    it('brings back both members for the operator too', async () => {
      const first = await kit.operator<Conv>('POST', '/v1/conversations', {
        body: { type: 'direct', members: ['gina', 'hal'] },
      });
      const id = first.body.id;
      for (const who of ['gina', 'hal']) {
        const res = await kit.operator('DELETE', `/v1/conversations/${id}/members/${who}`);
        expect(res.status).to.equal(204);
      }
      const again = await kit.operator<Conv>('POST', '/v1/conversations', {
        body: { type: 'direct', members: ['hal', 'gina'] },
      });
      expect(again.status).to.equal(200);
      expect(again.body.id).to.equal(id);
      expect(again.body.members.map((m) => m.identity)).to.have.members(['gina', 'hal']);
    });

    it('answers 422 without exactly two identities', async () => {
      const res = await alice('POST', '/v1/conversations', {
        body: { type: 'direct', members: ['bob', 'carol'] },
      });
      expect(res.status).to.equal(422);
      expect(res.body).to.include({ code: 'direct_needs_two' });
      expect(res.body.errors).to.have.deep.members([
        { path: '/members', message: res.body.detail },
      ]);
    });
  });

  describe('groups', () => {
    let group: Conv;
    before(async () => {
      group = (
        await alice<Conv>('POST', '/v1/conversations', {
          body: { type: 'group', name: 'team', members: ['bob'] },
        })
      ).body;
    });

    it('makes the creating user an admin and the others members', () => {
      const roles = Object.fromEntries(group.members.map((m) => [m.identity, m.role]));
      expect(roles).to.deep.equal({ alice: 'admin', bob: 'member' });
    });

    it('hides the conversation from non-members (404) and lists only your own', async () => {
      expect((await carol('GET', `/v1/conversations/${group.id}`)).status).to.equal(404);
      expect(
        (await carol('POST', `/v1/conversations/${group.id}/messages`, { body: { body: 'hi' } }))
          .status,
      ).to.equal(404);
      const list = await carol<{ data: Conv[] }>('GET', '/v1/conversations');
      expect(list.body.data.map((c) => c.id)).not.to.include(group.id);
      const mine = await bob<{ data: Conv[] }>('GET', '/v1/conversations');
      expect(mine.body.data.map((c) => c.id)).to.include(group.id);
    });

    it('lets only admins add members and rename (403 for members)', async () => {
      expect(
        (
          await bob('POST', `/v1/conversations/${group.id}/members`, {
            body: { identity: 'carol' },
          })
        ).status,
      ).to.equal(403);
      expect(
        (await bob('PATCH', `/v1/conversations/${group.id}`, { body: { name: 'x' } })).status,
      ).to.equal(403);
      expect(
        (
          await alice('POST', `/v1/conversations/${group.id}/members`, {
            body: { identity: 'carol' },
          })
        ).status,
      ).to.equal(201);
      expect(
        (
          await alice('POST', `/v1/conversations/${group.id}/members`, {
            body: { identity: 'carol' },
          })
        ).status,
      ).to.equal(409);
      const renamed = await alice<Conv & { name: string }>(
        'PATCH',
        `/v1/conversations/${group.id}`,
        { body: { name: 'squad' } },
      );
      expect(renamed.body.name).to.equal('squad');
    });

    it('lets a member leave, and only an admin remove someone else', async () => {
      expect((await bob('DELETE', `/v1/conversations/${group.id}/members/carol`)).status).to.equal(
        403,
      );
      expect(
        (await carol('DELETE', `/v1/conversations/${group.id}/members/carol`)).status,
      ).to.equal(204);
      expect((await carol('GET', `/v1/conversations/${group.id}`)).status).to.equal(404);
    });

    it('rejects unknown fields (400) and emits webhooks for the changes', async () => {
      const bad = await alice('POST', '/v1/conversations', {
        body: { type: 'group', colour: 'red' },
      });
      expect(bad.status).to.equal(400);
      await receiver.waitFor((e) => e.type === 'conversation.member.left' && e.verified, 5000);
      await receiver.waitFor((e) => e.type === 'conversation.created', 5000);
    });

    it('archives on DELETE (admins) and refuses new messages with 409', async () => {
      expect((await bob('DELETE', `/v1/conversations/${group.id}`)).status).to.equal(403);
      const archived = await alice<{ archived: boolean }>(
        'DELETE',
        `/v1/conversations/${group.id}`,
      );
      expect(archived.body.archived).to.equal(true);
      expect(
        (await alice('POST', `/v1/conversations/${group.id}/messages`, { body: { body: 'late' } }))
          .status,
      ).to.equal(409);
    });
  });

  it('keeps an archived conversation read-only, but lets members read and leave it', async () => {
    const conv = (
      await alice<Conv>('POST', '/v1/conversations', {
        body: { type: 'group', members: ['bob', 'carol'] },
      })
    ).body.id;
    const message = (
      await alice<{ id: string }>('POST', `/v1/conversations/${conv}/messages`, {
        body: { body: 'before the archive' },
      })
    ).body.id;
    await alice('DELETE', `/v1/conversations/${conv}`);
    const at = `/v1/conversations/${conv}/messages/${message}`;
    // Each of these changed an archived conversation (200/204) before.
    for (const [who, method, path] of [
      [bob, 'POST', `${at}/reactions/👍`],
      [bob, 'DELETE', `${at}/reactions/👍`],
      [alice, 'POST', `${at}/pin`],
      [alice, 'DELETE', `${at}/pin`],
      [alice, 'DELETE', at],
    ] as const) {
      const res = await who<{ code: string }>(method, path);
      expect([res.status, res.body.code], `${method} ${path}`).to.deep.equal([
        409,
        'conversation_archived',
      ]);
    }
    const read = await bob('POST', `/v1/conversations/${conv}/read`, {
      body: { message_id: message },
    });
    expect(read.status).to.equal(200);
    expect((await carol('DELETE', `/v1/conversations/${conv}/members/carol`)).status).to.equal(204);
    const history = await bob<{ data: Array<{ id: string; deleted_at: string | null }> }>(
      'GET',
      `/v1/conversations/${conv}/messages`,
    );
    expect(history.body.data.map((m) => [m.id, m.deleted_at])).to.deep.equal([[message, null]]);
  });

  it('refuses the operator author "system" as a member (422 reserved_identity)', async () => {
    const created = await kit.operator('POST', '/v1/conversations', {
      body: { type: 'direct', members: ['alice', 'system'] },
    });
    expect(created.status).to.equal(422);
    expect(created.body).to.include({ code: 'reserved_identity' });
    const group = await kit.operator<Conv>('POST', '/v1/conversations', {
      body: { type: 'group', members: ['alice'] },
    });
    const added = await kit.operator('POST', `/v1/conversations/${group.body.id}/members`, {
      body: { identity: 'system' },
    });
    expect(added.status).to.equal(422);
    expect(added.body).to.include({ code: 'reserved_identity' });
  });

  it('refuses more than 1,000 members at creation (400)', async () => {
    const members = Array.from({ length: 1001 }, (_, i) => `u${i}`);
    const res = await kit.operator('POST', '/v1/conversations', {
      body: { type: 'group', members },
    });
    expect(res.status).to.equal(400);
  });

  it("refuses an SMS participant whose proxy is not the project's own number (422)", async () => {
    const conv = await kit.operator<Conv>('POST', '/v1/conversations', {
      body: { type: 'group', members: ['alice'] },
    });
    await kit.operator('POST', '/v1/numbers', { body: { number: '+14155550733' } });
    const add = (body: Record<string, string>) =>
      kit.operator<{ code: string }>('POST', `/v1/conversations/${conv.body.id}/members`, {
        body,
      });
    // Both were taken (201); every message's SMS copy then failed in the background.
    const foreign = await add({ phone_number: '+14155550101', proxy_number: '+14155550734' });
    expect([foreign.status, foreign.body.code]).to.deep.equal([422, 'unknown_number']);
    const itself = await add({ phone_number: '+14155550733', proxy_number: '+14155550733' });
    expect([itself.status, itself.body.code]).to.deep.equal([422, 'invalid_proxy_number']);
    const members = await kit.operator<Conv>('GET', `/v1/conversations/${conv.body.id}`);
    expect(members.body.members.map((m) => m.identity)).to.deep.equal(['alice']);
  });

  it('binds a (phone, proxy) pair to one active conversation (409 for a second)', async () => {
    const one = await kit.operator<Conv>('POST', '/v1/conversations', {
      body: { type: 'group', members: ['alice'] },
    });
    const two = await kit.operator<Conv>('POST', '/v1/conversations', {
      body: { type: 'group', members: ['alice'] },
    });
    const sms = { phone_number: '+14155550100', proxy_number: '+14155550732' };
    await kit.operator('POST', '/v1/numbers', { body: { number: sms.proxy_number } });
    expect(
      (await kit.operator('POST', `/v1/conversations/${one.body.id}/members`, { body: sms }))
        .status,
    ).to.equal(201);
    const taken = await kit.operator('POST', `/v1/conversations/${two.body.id}/members`, {
      body: sms,
    });
    expect(taken.status).to.equal(409);
    await kit.operator('DELETE', `/v1/conversations/${one.body.id}`);
    expect(
      (await kit.operator('POST', `/v1/conversations/${two.body.id}/members`, { body: sms }))
        .status,
    ).to.equal(201);
  });
});
