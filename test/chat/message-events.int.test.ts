import { expect } from 'chai';
import { appendMessageRows, type NewMessage } from '../../src/chat/append-message.store.js';
import { MESSAGE_COLUMNS, type MessageRow } from '../../src/chat/messages.store.js';
import { messageView, messageViewSql } from '../../src/chat/views.js';
import { createEventStore, type StoredEvent } from '../../src/events/index.js';
import {
  createIdGenerator,
  createSilentLogger,
  systemClock,
  type Db,
} from '../../src/platform/index.js';
import { createWebhookReceiver } from '../../src/webhooks/index.js';
import { startChatKit, type ChatKit } from './chat-kit.js';

/**
 * The events of new messages are built in SQL by the statement that inserts them; their data
 * must stay exactly what `messageView` of the row gives, and the stream must stay one stream.
 */
describe('the events of appended messages', () => {
  let kit: ChatKit;
  let db: Db;
  let serial = 0;
  const ids = createIdGenerator(systemClock);

  before(async () => {
    kit = await startChatKit();
    db = kit.app.runtime.db;
  });
  after(() => kit.app.stop());

  const group = async (members: string[]) =>
    (
      await kit.operator<{ id: string }>('POST', '/v1/conversations', {
        body: { type: 'group', members },
      })
    ).body.id;

  const message = (patch: Partial<NewMessage>): NewMessage => {
    serial += 1;
    return {
      id: ids('cmsg'),
      projectId: kit.project.id,
      memberIdentity: null,
      author: 'alice',
      body: `message ${serial}`,
      attachments: [],
      mentionCandidates: [],
      replyTo: null,
      forwardedFrom: null,
      clientId: null,
      source: 'chat',
      // Milliseconds, as the clock gives them.
      createdAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, serial)),
      ...patch,
    };
  };

  const append = (conversationId: string, messages: NewMessage[], createdAt = new Date()) =>
    db.transaction((trx) =>
      appendMessageRows(trx, conversationId, messages, {
        ids: messages.map((m) => `evt_for_${m.id}`),
        createdAt,
      }),
    );

  const rowOf = async (id: string) =>
    (await db('chat_messages').select(MESSAGE_COLUMNS).where({ id }).first()) as MessageRow;

  it('stores as data exactly messageView of each row, whatever the message carries', async () => {
    const conv = await group(['alice', 'bob']);
    const first = message({});
    await append(conv, [first]);
    const variants = [
      message({ body: 'plain, no client_id' }),
      message({ body: 'hi @bob and @nobody', mentionCandidates: ['bob', 'nobody'] }),
      message({ body: 'a reply', replyTo: first.id }),
      message({ body: null, attachments: ['file_a', 'file_b'] }),
      message({ body: `quotes ' " \\ ? $1 🙂\u2028`, clientId: `c'id"?$1` }),
      message({ body: 'forwarded from SMS', forwardedFrom: first.id, source: 'sms' }),
      message({
        body: 'everything @bob',
        mentionCandidates: ['bob'],
        replyTo: first.id,
        attachments: ['file_c'],
        clientId: 'all',
        author: 'bob',
        memberIdentity: 'bob',
      }),
    ];
    const { results, events } = await append(conv, variants);

    expect(results.map((r) => r.kind)).to.deep.equal(variants.map(() => 'created'));
    const stored = await db('events')
      .whereIn(
        'id',
        variants.map((m) => `evt_for_${m.id}`),
      )
      .orderBy('stream_version');
    expect(stored).to.have.length(variants.length);
    for (const [i, m] of variants.entries()) {
      const row = await rowOf(m.id);
      const event = stored.find((e: { id: string }) => e.id === `evt_for_${m.id}`);
      // The stored jsonb and the view as JSON (what webhooks and realtime send) are equal.
      expect(event.data, m.body ?? 'attachments only').to.deep.equal(
        JSON.parse(JSON.stringify(messageView(row))),
      );
      expect(events[i].data).to.deep.equal(event.data);
    }
    expect(stored.map((e: { type: string }) => e.type)).to.deep.equal(
      variants.map(() => 'conversation.message.created'),
    );
    expect((await rowOf(variants[1].id)).mentions).to.deep.equal(['bob']);
  });

  it('renders pinned, edited and deleted rows as messageView does', async () => {
    const conv = await group(['bob']);
    const [pinned, edited, deleted] = [
      message({ body: 'pin me', mentionCandidates: ['bob'] }),
      message({ body: 'edit me' }),
      message({ body: 'delete me', attachments: ['file_d'], forwardedFrom: 'cmsg_x' }),
    ];
    await append(conv, [pinned, edited, deleted]);
    const at = new Date(Date.UTC(2026, 5, 6, 7, 8, 9, 12));
    await db('chat_messages').where({ id: pinned.id }).update({ pinned_at: at, pinned_by: 'bob' });
    await db('chat_messages').where({ id: edited.id }).update({ edited_at: at, body: 'edited' });
    await db('chat_messages').where({ id: deleted.id }).update({ deleted_at: at });
    for (const m of [pinned, edited, deleted]) {
      const { rows } = await db.raw<{ rows: Array<{ data: unknown }> }>(
        `select ${messageViewSql('m')} as data from chat_messages m where m.id = ?`,
        [m.id],
      );
      expect(rows[0].data).to.deep.equal(
        JSON.parse(JSON.stringify(messageView(await rowOf(m.id)))),
      );
    }
  });

  it('returns the stored events, continuing the stream after events appended the usual way', async () => {
    const conv = await group(['bob']);
    const createdAt = new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 123));
    const refused = message({ memberIdentity: 'mallory', author: 'mallory' });
    const batch = [message({}), refused, message({})];
    const { results, events } = await append(conv, batch, createdAt);

    expect(results.map((r) => r.kind)).to.deep.equal(['created', 'not_found', 'created']);
    const store = createEventStore({ db, ids: () => 'unused', clock: systemClock });
    const stream = await store.readStream(kit.project.id, conv);
    expect(stream.map((e) => [e.streamVersion, e.type])).to.deep.equal([
      [1, 'conversation.created'],
      [2, 'conversation.message.created'],
      [3, 'conversation.message.created'],
    ]);
    expect(events).to.deep.equal(stream.slice(1));
    expect(events.map((e: StoredEvent) => e.createdAt.getTime())).to.deep.equal([
      createdAt.getTime(),
      createdAt.getTime(),
    ]);
    expect(events.map((e) => e.id)).to.deep.equal([
      `evt_for_${batch[0].id}`,
      `evt_for_${batch[2].id}`,
    ]);
    expect(
      await db('events')
        .where({ id: `evt_for_${refused.id}` })
        .first(),
    ).to.equal(undefined);

    // A later change recorded through the event store continues the same stream.
    const edit = await kit.operator('PATCH', `/v1/conversations/${conv}/messages/${batch[2].id}`, {
      body: { body: 'edited' },
    });
    expect(edit.status, edit.text).to.equal(200);
    const after = await store.readStream(kit.project.id, conv);
    expect(after.map((e) => [e.streamVersion, e.type]).at(-1)).to.deep.equal([
      4,
      'conversation.message.updated',
    ]);
  });

  it('schedules a webhook per created message of a batch, carrying its stored event', async () => {
    const other = await startChatKit(kit.app);
    const receiver = createWebhookReceiver({
      secret: other.project.webhookSecret,
      logger: createSilentLogger(),
    });
    const { url } = await receiver.start();
    try {
      await other.operator('PATCH', '/v1/project', { body: { webhook_url: url } });
      const conv = (
        await other.operator<{ id: string }>('POST', '/v1/conversations', {
          body: { type: 'group', members: ['bob'] },
        })
      ).body.id;
      const sent = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          other.operator<{ id: string }>('POST', `/v1/conversations/${conv}/messages`, {
            body: { body: `hook ${i} @bob`, client_id: `hook-${i}` },
          }),
        ),
      );
      for (const res of sent) expect(res.status, res.text).to.equal(201);
      const stored = await db('events').where({
        stream_id: conv,
        type: 'conversation.message.created',
      });
      expect(stored).to.have.length(8);
      for (const event of stored as Array<{ id: string; data: unknown }>) {
        const hook = await receiver.waitFor((e) => e.id === event.id, 5000);
        expect(hook.verified).to.equal(true);
        expect(hook.data).to.deep.equal(event.data);
      }
    } finally {
      await receiver.stop();
    }
  });
});
