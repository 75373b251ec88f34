import { expect } from 'chai';
import type { ChatFeature } from '../../src/chat/index.js';
import { createSilentLogger } from '../../src/platform/index.js';
import { eventually } from '../support/http.js';
import { secondChatFeature, startChatKit, type ChatKit } from './chat-kit.js';
import { withTrigger } from '../support/triggers.js';

describe('SMS participants', () => {
  let kit: ChatKit;
  let chat: ChatFeature;
  const sent: Array<{ from: string; to: string; body: string }> = [];
  const phone = '+14155550123';
  const proxy = '+14155550999';
  let conv: string;

  before(async () => {
    kit = await startChatKit();
    // A second chat feature on the same database, with a fake messaging `sendSms`.
    chat = secondChatFeature(kit, {
      sendSms: async (input) => {
        sent.push(input);
        return { id: `msg_${sent.length}` };
      },
    });
    await kit.operator('POST', '/v1/numbers', { body: { number: proxy } });
    conv = (
      await kit.operator<{ id: string }>('POST', '/v1/conversations', {
        body: { type: 'group', members: ['alice'] },
      })
    ).body.id;
    await kit.operator('POST', `/v1/conversations/${conv}/members`, {
      body: { phone_number: phone, proxy_number: proxy },
    });
  });
  after(async () => {
    await kit.app.stop();
  });

  /** An inbound SMS as messaging hands it to chat: from the phone to the proxy by default. */
  const inbound = (body: string, messageId: string, from = phone) => ({
    projectId: kit.project.id,
    from,
    to: proxy,
    body,
    messageId,
  });

  /** The outbox row of a chat message's SMS copy. */
  const smsCopyOf = (messageId: string) =>
    kit.app.runtime
      .db('outbox')
      .where({ queue: 'chat-sms' })
      .whereRaw(`payload->>'message_id' = ?`, [messageId])
      .first();

  it('queues an SMS from the proxy, prefixed with the author, for messages by others', async () => {
    const alice = await kit.as('alice');
    const msg = (
      await alice<{ id: string }>('POST', `/v1/conversations/${conv}/messages`, {
        body: { body: 'hello phone' },
      })
    ).body;
    const row = await smsCopyOf(msg.id);
    expect(row.payload).to.include({ to: phone, from: proxy, body: 'alice: hello phone' });
    const handler = chat.feature.handlers![0];
    const job = {
      id: row.id,
      name: row.name,
      data: row.payload,
      attemptsMade: 0,
      attempts: 5,
      logger: createSilentLogger(),
    };
    await handler.handle(job as never);
    await handler.handle(job as never);
    expect(sent, 'sent once even when the job runs twice').to.deep.equal([
      { projectId: kit.project.id, from: proxy, to: phone, body: 'alice: hello phone' },
    ]);
  });

  it('cuts the SMS copy of a message longer than an SMS to 1,600 characters that messaging accepts', async () => {
    const alice = await kit.as('alice');
    const msg = (
      await alice<{ id: string }>('POST', `/v1/conversations/${conv}/messages`, {
        body: { body: 'long story '.repeat(200) },
      })
    ).body;
    const row = await smsCopyOf(msg.id);
    const body = row.payload.body as string;
    expect([...body].length).to.be.at.most(1600);
    expect(body).to.match(/^alice: long story long/);
    expect(body).to.match(/\.\.\.$/);
    const checked = await kit.app.runtime.services.sendMessage.prepare({
      projectId: kit.project.id,
      from: proxy,
      to: phone,
      body,
    });
    expect(checked.encoding).to.equal('GSM-7');
  });

  it('posts an inbound SMS into the bound conversation once, authored by the phone', async () => {
    const input = inbound('hi from my phone', 'msg_in_1');
    expect(await chat.handleInboundSms(input)).to.equal(true);
    expect(await chat.handleInboundSms(input)).to.equal(true);
    const page = await kit.operator<{
      data: Array<{ author: string; body: string; source: string }>;
    }>('GET', `/v1/conversations/${conv}/messages`);
    const fromPhone = page.body.data.filter((m) => m.author === phone);
    expect(fromPhone).to.have.length(1);
    expect(fromPhone[0]).to.include({ body: 'hi from my phone', source: 'sms' });
    const echoed = await kit.app.runtime
      .db('outbox')
      .where({ queue: 'chat-sms' })
      .whereRaw(`payload->>'body' like ?`, [`${phone}:%`]);
    expect(echoed, 'never sent back to the phone it came from').to.have.length(0);
  });

  it('posts a whitespace-only inbound SMS as "(empty SMS)"', async () => {
    const input = inbound(' \n\t ', 'msg_in_blank');
    expect(await chat.handleInboundSms(input)).to.equal(true);
    const page = await kit.operator<{ data: Array<{ body: string; client_id: string }> }>(
      'GET',
      `/v1/conversations/${conv}/messages`,
    );
    const posted = page.body.data.find((m) => m.client_id === 'sms:msg_in_blank');
    expect(posted?.body).to.equal('(empty SMS)');
  });

  it('answers false for a pair no conversation holds', async () => {
    const input = inbound('x', 'msg_in_2', '+14155550000');
    expect(await chat.handleInboundSms(input)).to.equal(false);
  });

  it('stores an inbound SMS once when posting it into the conversation fails, and answers the SMSC', async () => {
    // Posting it used to run after the SMS was stored: when it failed, the deliver_sm was
    // refused, and every redelivery stored one more copy (a blank body, refused by chat,
    // was stored ten times). Here the database refuses the chat message itself.
    const refuseCopy = {
      name: 'test_refuse_chat_copy',
      table: 'chat_messages',
      when: 'insert' as const,
      body: `if new.body = 'refused by chat' then raise exception 'injected: chat refuses'; end if;`,
    };
    await withTrigger(kit.app.runtime.db, refuseCopy, async () => {
      const refused = await kit.operator('POST', '/sandbox/v1/sms', {
        body: { from: phone, to: proxy, body: 'refused by chat' },
      });
      expect(refused.status).to.equal(202);
      const spoken = await kit.operator('POST', '/sandbox/v1/sms', {
        body: { from: phone, to: proxy, body: 'through the queue' },
      });
      expect(spoken.status).to.equal(202);
      await eventually(async () => {
        const page = await kit.operator<{ data: Array<{ author: string; body: string }> }>(
          'GET',
          `/v1/conversations/${conv}/messages`,
        );
        return page.body.data.some((m) => m.body === 'through the queue') ? true : undefined;
      });
      const stored = await kit.app.runtime
        .db('messages')
        .where({ direction: 'inbound', from_addr: phone, to_addr: proxy })
        .select('body');
      expect(stored.filter((m) => m.body === 'refused by chat')).to.have.length(1);
      expect(stored.filter((m) => m.body === 'through the queue')).to.have.length(1);
    });
  });
});
