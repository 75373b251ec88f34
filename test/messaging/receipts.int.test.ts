import { expect } from 'chai';
import { createMessageEvents } from '../../src/messaging/message-events.js';
import { createMessagesStore } from '../../src/messaging/messages.store.js';
import { createReceipts } from '../../src/messaging/receipts.js';
import { createSilentLogger } from '../../src/platform/index.js';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor } from '../support/http.js';

/**
 * The receipt transition against the real database, driven directly: the ordering races that
 * the sandbox SMSC rarely produces (a DLR before our own record of the part) made certain.
 */
describe('delivery receipts', () => {
  let app: TestApp;
  let receipts: ReturnType<typeof createReceipts>;
  let store: ReturnType<typeof createMessagesStore>;
  let messageId: string;

  before(async () => {
    app = await startApp({ roles: { worker: false } });
    const project = await createTestProject(app);
    const api = clientFor(app.url, project.apiKey);
    await api('POST', '/v1/numbers', { body: { number: '+14155550699' } });
    const sent = await api<{ id: string }>('POST', '/v1/messages', {
      body: { from: '+14155550699', to: '+14155550600', body: 'x'.repeat(200) },
    });
    messageId = sent.body.id;
    const { db, services } = app.runtime;
    store = createMessagesStore(db);
    const recordEvent = createMessageEvents({
      events: services.events,
      scheduleWebhook: services.scheduleWebhook,
      numberUrl: async () => null,
    });
    receipts = createReceipts({
      db,
      store,
      recordEvent,
      clock: services.clock,
      logger: createSilentLogger(),
      crossBaseWaitMs: 0,
    });
    await db('messages').where({ id: messageId }).update({ status: 'sent' });
  });
  after(() => app.stop());

  const statusOf = async () => (await store.find(messageId))!.status;
  const part = (n: number, smscId: string, connector = 'smsc-a') =>
    store.insertPart({
      message_id: messageId,
      part: n,
      connector_id: connector,
      smsc_id: smscId,
      status: 'sent',
      error_code: null,
      updated_at: new Date(),
    });

  it('keeps a DLR that arrives before its part and applies it when the part is recorded', async () => {
    const early = await receipts.apply({
      connectorId: 'smsc-a',
      smscId: '0A1B',
      outcome: 'delivered',
      state: 'DELIVRD',
      errorCode: null,
    });
    expect(early).to.equal('early');
    await part(1, 'a1b');
    await receipts.applyEarly('smsc-a', ['a1b']);
    const [first] = await store.parts(messageId);
    expect(first.status).to.equal('delivered');
    expect(await statusOf(), 'one part of two is not enough').to.equal('sent');
  });

  it('matches a DLR that gives the id in decimal where the submit response gave hex, once it has waited', async () => {
    await part(2, 'ff');
    expect(
      await receipts.apply({
        connectorId: 'smsc-a',
        smscId: '255',
        outcome: 'delivered',
        state: 'DELIVRD',
        errorCode: null,
      }),
      'kept: a part 255 may still be recorded',
    ).to.equal('early');
    expect(await statusOf()).to.equal('sent');
    await receipts.matchAcrossBases();
    expect(await statusOf()).to.equal('delivered');
    expect(receipts.spellingsOf('smsc-a', '255'), 'one match teaches nothing').not.to.include('ff');
  });

  it("takes a kept receipt by the part's id as given, and by its other base only once it has waited", async () => {
    await store.saveEarlyReceipt({
      connector_id: 'smsc-b',
      smsc_id: '4096',
      receipt: {
        connectorId: 'smsc-b',
        smscId: '4096',
        outcome: 'delivered',
        state: 'DELIVRD',
        errorCode: null,
      },
      received_at: new Date(),
    });
    await part(3, '1000', 'smsc-b');
    await receipts.applyEarly('smsc-b', receipts.spellingsOf('smsc-b', '1000'));
    const third = async () => (await store.parts(messageId)).find((p) => p.part === 3)!;
    expect((await third()).status).to.equal('sent');
    await receipts.matchAcrossBases();
    expect((await third()).status).to.equal('delivered');
    expect(await app.runtime.db('early_receipts').where({ connector_id: 'smsc-b' })).to.have.length(
      0,
    );
  });

  it('gives a waiting receipt to no part of its other base that has a final status', async () => {
    await part(5, '1b', 'smsc-d');
    await app.runtime
      .db('message_parts')
      .where({ message_id: messageId, part: 5 })
      .update({ status: 'undelivered' });
    await receipts.apply({
      connectorId: 'smsc-d',
      smscId: '27',
      outcome: 'delivered',
      state: 'DELIVRD',
      errorCode: null,
    });
    await receipts.matchAcrossBases();
    const fifth = (await store.parts(messageId)).find((p) => p.part === 5)!;
    expect(fifth.status).to.equal('undelivered');
    expect(await app.runtime.db('early_receipts').where({ connector_id: 'smsc-d' })).to.have.length(
      1,
    );
  });

  it('keeps a final early receipt when a pending one for the same id follows it', async () => {
    // DELIVRD then ENROUTE, both before the submit response: the second replaced the first,
    // and the message stayed sent.
    for (const [outcome, state] of [
      ['delivered', 'DELIVRD'],
      ['pending', 'ENROUTE'],
    ] as const) {
      await receipts.apply({
        connectorId: 'smsc-c',
        smscId: '77',
        outcome,
        state,
        errorCode: null,
      });
    }
    await part(4, '77', 'smsc-c');
    await receipts.applyEarly('smsc-c', receipts.spellingsOf('smsc-c', '77'));
    const fourth = (await store.parts(messageId)).find((p) => p.part === 4)!;
    expect(fourth.status).to.equal('delivered');
  });

  it('records a late receipt as an event and never moves the status back', async () => {
    await receipts.apply({
      connectorId: 'smsc-a',
      smscId: 'ff',
      outcome: 'undelivered',
      state: 'UNDELIV',
      errorCode: '001',
    });
    expect(await statusOf()).to.equal('delivered');
    const events = await app.runtime.services.events.readStream(
      (await store.find(messageId))!.project_id,
      messageId,
    );
    const receiptsSeen = events
      .filter((e) => e.type === 'message.receipt')
      .map((e) => (e.data.receipt as { changed: boolean }).changed);
    expect(receiptsSeen.at(-1), 'the late receipt changed nothing').to.equal(false);
    expect(receiptsSeen, 'the receipts that moved a part say so').to.include(true);
  });

  it('answers unknown for an ingress receipt of no known part, so its job retries', async () => {
    expect(
      await receipts.apply({
        connectorId: null,
        smscId: 'nope',
        outcome: 'delivered',
        state: 'delivered',
        errorCode: null,
      }),
    ).to.equal('unknown');
  });

  describe('applied together', () => {
    /** `count` one-part messages in `sent`, each with its part recorded as `<prefix><i>`. */
    async function sentMessages(count: number, prefix: string): Promise<string[]> {
      const { db } = app.runtime;
      const [template] = await db('messages').where({ id: messageId });
      const ids: string[] = [];
      for (let i = 0; i < count; i += 1) {
        const id = app.runtime.services.ids('msg');
        await db('messages').insert({ ...template, id, status: 'sent', segments: 1 });
        await store.insertPart({
          message_id: id,
          part: 1,
          connector_id: 'smsc-c',
          smsc_id: `${prefix}${i}`,
          status: 'sent',
          error_code: null,
          updated_at: new Date(),
        });
        ids.push(id);
      }
      return ids;
    }
    const dlr = (smscId: string, outcome: 'delivered' | 'undelivered' = 'delivered') => ({
      connectorId: 'smsc-c',
      smscId,
      outcome,
      state: outcome === 'delivered' ? 'DELIVRD' : 'UNDELIV',
      errorCode: outcome === 'delivered' ? null : '001',
    });

    it('applies concurrent receipts of many messages in a few transactions, each one exactly', async () => {
      const ids = await sentMessages(30, 'c');
      let begins = 0;
      const count = (query: { sql: string }) => {
        if (query.sql.toUpperCase().startsWith('BEGIN')) begins += 1;
      };
      app.runtime.db.on('query', count);
      try {
        const results = await Promise.all(ids.map((_, i) => receipts.apply(dlr(`c${i}`))));
        expect(results.every((r) => r === 'applied')).to.equal(true);
      } finally {
        app.runtime.db.off('query', count);
      }
      expect(begins, 'transactions for 30 receipts').to.be.below(10);
      const rows = await app.runtime.db('messages').whereIn('id', ids);
      expect(rows.every((m) => m.status === 'delivered')).to.equal(true);
      const events = await app.runtime
        .db('events')
        .whereIn('stream_id', ids)
        .select('stream_id', 'type', 'stream_version')
        .orderBy(['stream_id', 'stream_version']);
      for (const id of ids) {
        expect(
          events.filter((e) => e.stream_id === id).map((e) => e.type),
          id,
        ).to.deep.equal(['message.receipt', 'message.delivered']);
      }
    });

    it('applies two concurrent receipts of one part once each: the first final state stays', async () => {
      const [id] = await sentMessages(1, 'd');
      await Promise.all([
        receipts.apply(dlr('d0', 'undelivered')),
        receipts.apply(dlr('d0', 'delivered')),
      ]);
      const [part] = await store.parts(id);
      const message = (await store.find(id))!;
      expect(part.status).to.be.oneOf(['delivered', 'undelivered']);
      expect(message.status, 'the message follows its part').to.equal(part.status);
      const events = await app.runtime.services.events.readStream(message.project_id, id);
      const changed = events
        .filter((e) => e.type === 'message.receipt')
        .map((e) => (e.data.receipt as { changed: boolean }).changed);
      expect(changed.sort()).to.deep.equal([false, true]);
      // Together or one after the other, one status event; a late receipt only adds its own.
      expect(events.filter((e) => e.type === `message.${part.status}`)).to.have.length(1);
    });
  });
});
