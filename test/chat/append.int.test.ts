import { expect } from 'chai';
import pg from 'pg';
import { appendMessageRows, appendMessagesAlone } from '../../src/chat/append-message.store.js';
import { startApp, type TestApp } from '../support/harness.js';
import { clientFor } from '../support/http.js';
import { startChatKit, type ChatKit } from './chat-kit.js';

type Client = Awaited<ReturnType<ChatKit['as']>>;
interface Msg {
  id: string;
  seq: number;
  author: string;
  client_id: string | null;
  mentions: string[];
}

describe('appending messages under concurrency', () => {
  let kit: ChatKit;
  let second: TestApp;
  let alice: Client;
  let bob: Client;
  let aliceThere: Client;
  let bobThere: Client;

  const group = async (members: string[]) =>
    (
      await alice<{ id: string }>('POST', '/v1/conversations', {
        body: { type: 'group', members },
      })
    ).body.id;
  const post = (who: Client, conv: string, body: Record<string, unknown>) =>
    who<Msg>('POST', `/v1/conversations/${conv}/messages`, { body });
  /** A message by the operator (no member identity), as the writer hands it to the store. */
  const systemMessage = (id: string, body: string) => ({
    id,
    projectId: kit.project.id,
    memberIdentity: null,
    author: 'system',
    body,
    attachments: [],
    mentionCandidates: [],
    replyTo: null,
    forwardedFrom: null,
    clientId: null,
    source: 'chat' as const,
    createdAt: new Date(),
  });

  before(async () => {
    kit = await startChatKit();
    second = await startApp();
    const [aliceToken, bobToken] = await Promise.all([kit.tokenFor('alice'), kit.tokenFor('bob')]);
    alice = clientFor(kit.app.url, aliceToken);
    bob = clientFor(kit.app.url, bobToken);
    aliceThere = clientFor(second.url, aliceToken);
    bobThere = clientFor(second.url, bobToken);
  });
  after(async () => {
    await second.stop();
    await kit.app.stop();
  });

  it('gives racing sends on two instances gap-free seqs and one message per client_id', async () => {
    const conv = await group(['bob']);
    const senders = [alice, bob, aliceThere, bobThere];
    const sends = Array.from({ length: 60 }, (_, i) => {
      const who = senders[i % 4];
      const author = i % 2 === 0 ? 'alice' : 'bob';
      // Every client_id is sent three times, by the same author, through both instances.
      return { who, author, body: { body: `m${i}`, client_id: `k${Math.floor(i / 6)}-${i % 2}` } };
    });
    const answers = await Promise.all(sends.map((s) => post(s.who, conv, s.body)));

    const byKey = new Map<string, Set<string>>();
    answers.forEach((res, i) => {
      expect(res.status, res.text).to.be.oneOf([200, 201]);
      expect(res.body.author).to.equal(sends[i].author);
      const key = `${res.body.author}/${res.body.client_id}`;
      byKey.set(key, (byKey.get(key) ?? new Set()).add(res.body.id));
    });
    expect(byKey.size).to.equal(20);
    for (const ids of byKey.values()) expect(ids.size, 'one message per client_id').to.equal(1);
    expect(answers.filter((r) => r.status === 201)).to.have.length(20);

    const listed = await alice<{ data: Msg[] }>(
      'GET',
      `/v1/conversations/${conv}/messages?limit=100`,
    );
    const seqs = listed.body.data.map((m) => m.seq).sort((a, b) => a - b);
    expect(seqs).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
    const info = await alice<{ last_seq: number }>('GET', `/v1/conversations/${conv}`);
    expect(info.body.last_seq).to.equal(20);

    // One event per message, and the log's order (what realtime delivers) is the seq order.
    const events = await kit.app.runtime
      .db('events')
      .where({ stream_id: conv, type: 'conversation.message.created' })
      .orderBy([{ column: 'transaction_id' }, { column: 'position' }])
      .select('data');
    expect(events.map((e: { data: Msg }) => e.data.seq)).to.deep.equal(seqs);
  });

  it('refuses one message of a batch without refusing the others', async () => {
    const conv = await group(['bob']);
    const mallory = await kit.as('mallory');
    const good = Array.from({ length: 12 }, (_, i) =>
      post(i % 2 ? alice : bob, conv, { body: `ok ${i} @bob @nobody` }),
    );
    const badReply = post(alice, conv, {
      body: 'reply',
      reply_to: 'cmsg_00000000000000000000000000',
    });
    const outsider = post(mallory, conv, { body: 'let me in' });
    const results = await Promise.all([...good, badReply, outsider]);
    const accepted = results.slice(0, 12);
    for (const res of accepted) expect(res.status, res.text).to.equal(201);
    expect(accepted.map((r) => r.body.seq).sort((a, b) => a - b)).to.deep.equal(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    expect(accepted.every((r) => r.body.mentions.join() === 'bob')).to.equal(true);
    expect(results[12].status).to.equal(422);
    expect(results[13].status).to.equal(404);
    const next = await post(alice, conv, { body: 'after the refusals' });
    expect(next.body.seq).to.equal(13);
  });

  it('retries a batch the database refuses one message at a time, so only that one fails', async () => {
    const conv = await group(['bob']);
    const sends = Array.from({ length: 10 }, (_, i) =>
      post(i % 2 ? alice : bob, conv, { body: i === 5 ? 'nul \u0000 byte' : `fine ${i}` }),
    );
    const results = await Promise.all(sends);
    expect(results[5].status).to.be.at.least(400);
    const fine = results.filter((_, i) => i !== 5);
    for (const res of fine) expect(res.status, res.text).to.equal(201);
    expect(fine.map((r) => r.body.seq).sort((a, b) => a - b)).to.deep.equal(
      Array.from({ length: 9 }, (_, i) => i + 1),
    );
  });

  it('stores text with quotes, backslashes and placeholders exactly as sent', async () => {
    const conv = await group(['bob']);
    const body = `it's \\ a back\\slash, a ? and $1, E'x' and $$dollar$$ for @bob 🙂\u2028`;
    const clientId = `q'?\\"$1`;
    const sent = await post(alice, conv, { body, client_id: clientId });
    expect(sent.status, sent.text).to.equal(201);
    expect(sent.body.client_id).to.equal(clientId);
    expect(sent.body.mentions).to.deep.equal(['bob']);
    const again = await post(aliceThere, conv, { body, client_id: clientId });
    expect(again.status).to.equal(200);
    expect(again.body.id).to.equal(sent.body.id);
    const listed = await alice<{ data: Array<Msg & { body: string }> }>(
      'GET',
      `/v1/conversations/${conv}/messages`,
    );
    expect(listed.body.data.map((m) => m.body)).to.deep.equal([body]);
  });

  it('commits a batch alone as one query, BEGIN to COMMIT, leaving no transaction open', async () => {
    const { db } = kit.app.runtime;
    const conv = await group(['bob']);
    const sent: Array<{ text: string; pid: number }> = [];
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const pid = (this as unknown as { processID: number }).processID;
      if (typeof args[0] === 'string') sent.push({ text: args[0], pid });
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    let appended;
    try {
      appended = await appendMessagesAlone(
        db,
        conv,
        [systemMessage('cmsg_alone1', 'one'), systemMessage('cmsg_alone2', "it's two")],
        { ids: ['evt_alone1', 'evt_alone2'], createdAt: new Date() },
      );
    } finally {
      pg.Client.prototype.query = query;
    }
    expect(appended!.results.map((r) => r.kind)).to.deep.equal(['created', 'created']);
    expect(appended!.events.map((e) => e.id)).to.deep.equal(['evt_alone1', 'evt_alone2']);
    const transactions = sent.filter(({ text }) => text.startsWith('begin;'));
    expect(transactions).to.have.length(1);
    expect(transactions[0].text.trimEnd().endsWith('commit')).to.equal(true);
    const rows = await db('chat_messages').where({ conversation_id: conv }).orderBy('seq');
    expect(rows.map((r) => [r.id, r.seq])).to.deep.equal([
      ['cmsg_alone1', 1],
      ['cmsg_alone2', 2],
    ]);
    // Its own connection only: the app's background work (relay, dispatchers) may be between
    // two statements of a transaction of its own at this moment, which once failed this test.
    const open = await db.raw(
      `select count(*)::int as n from pg_stat_activity
        where pid = ? and state like 'idle in transaction%'`,
      [transactions[0].pid],
    );
    expect(open.rows[0].n).to.equal(0);
  });

  it('refuses alone, writing nothing, for a conversation with a phone member', async () => {
    const { db } = kit.app.runtime;
    const conv = await group(['bob']);
    await kit.operator('POST', '/v1/numbers', { body: { number: '+14155550731' } });
    const added = await alice('POST', `/v1/conversations/${conv}/members`, {
      body: { phone_number: '+14155550177', proxy_number: '+14155550731' },
    });
    expect(added.status, added.text).to.equal(201);
    const appended = await appendMessagesAlone(db, conv, [systemMessage('cmsg_alone3', 'x')], {
      ids: ['evt_alone3'],
      createdAt: new Date(),
    });
    expect(appended).to.equal(null);
    expect(await db('chat_messages').where({ id: 'cmsg_alone3' }).first()).to.equal(undefined);
    expect(await db('events').where({ id: 'evt_alone3' }).first()).to.equal(undefined);
    // The connection went back clean: the next message goes through the transaction path.
    const posted = await post(alice, conv, { body: 'after the refusal' });
    expect(posted.status, posted.text).to.equal(201);
    expect(posted.body.seq).to.equal(1);
  });

  it('treats a conversation id made of SQL text as text: not found, nothing written', async () => {
    const { db } = kit.app.runtime;
    const id = `x'); select pg_sleep(5); --\\'`;
    const message = systemMessage('cmsg_sqltext', "it's");
    const started = Date.now();
    const { results, events } = await db.transaction((trx) =>
      appendMessageRows(trx, id, [message], { ids: ['evt_sqltext'], createdAt: new Date() }),
    );
    expect(results).to.deep.equal([{ kind: 'not_found' }]);
    expect(Date.now() - started).to.be.below(4000);
    expect(events).to.deep.equal([]);
    expect(await db('chat_messages').where({ id: message.id }).first()).to.equal(undefined);
    expect(await db('events').where({ id: 'evt_sqltext' }).first()).to.equal(undefined);
  });

  it('answers 404 for a conversation of another project and 409 once it is archived', async () => {
    const conv = await group(['bob']);
    const other = await startChatKit(kit.app);
    const foreign = await other.operator('POST', `/v1/conversations/${conv}/messages`, {
      body: { body: 'not mine' },
    });
    expect(foreign.status).to.equal(404);
    expect((await kit.operator('DELETE', `/v1/conversations/${conv}`)).status).to.equal(200);
    const late = await post(alice, conv, { body: 'too late' });
    expect(late.status).to.equal(409);
  });
});
