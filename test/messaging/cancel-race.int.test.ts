import { expect } from 'chai';
import type { SmsGateway } from '../../src/connectors/index.js';
import { createMessageEvents } from '../../src/messaging/message-events.js';
import { createMessagesStore, type MessageRow } from '../../src/messaging/messages.store.js';
import { createReceipts } from '../../src/messaging/receipts.js';
import { createSender } from '../../src/messaging/sender.js';
import { createSilentLogger } from '../../src/platform/index.js';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor } from '../support/http.js';

/**
 * A scheduled message canceled after the send dispatcher's claim read it, before the sender
 * moved it to `sending`: the claim leaves the status `scheduled`, so the cancel is accepted,
 * and the sender must then submit nothing. The sender runs here on the row as the claim read
 * it, against a gateway that records what reaches it.
 */
describe('a scheduled message canceled between its claim and its sending', () => {
  let app: TestApp;
  let api: ReturnType<typeof clientFor>;
  const submitted: string[] = [];
  const gateway = {
    id: 'recording',
    async submit(part: { destination: string }) {
      submitted.push(part.destination);
      return { messageId: `id-${submitted.length}` };
    },
  } as unknown as SmsGateway;

  before(async () => {
    app = await startApp({ roles: { worker: false, orchestrator: false } });
    api = clientFor(app.url, (await createTestProject(app, 'cancel-race')).apiKey);
  });
  after(() => app.stop());

  function sender() {
    const { db, services } = app.runtime;
    const store = createMessagesStore(db);
    const logger = createSilentLogger();
    const clock = services.clock;
    const recordEvent = createMessageEvents({
      events: services.events,
      scheduleWebhook: services.scheduleWebhook,
      numberUrl: async () => null,
    });
    const receipts = createReceipts({ db, store, recordEvent, clock, logger });
    return createSender({
      db,
      store,
      carriers: { pick: () => gateway },
      receipts,
      recordEvent,
      clock,
      logger,
    });
  }

  it('submits nothing and leaves the message canceled, with no sending event', async () => {
    const created = await api<{ id: string }>('POST', '/v1/messages', {
      body: {
        from: 'Trunkline',
        to: '+14155550781',
        body: 'canceled in time',
        send_at: new Date(Date.now() + 10 * 60_000).toISOString(),
      },
    });
    const claimed = (await app.runtime
      .db('messages')
      .where({ id: created.body.id })
      .first()) as MessageRow;
    expect(claimed.status).to.equal('scheduled');
    expect((await api('DELETE', `/v1/messages/${created.body.id}`)).status).to.equal(200);

    expect(await sender().send(claimed)).to.equal('done');

    expect(submitted).to.deep.equal([]);
    const message = await api<{ status: string }>('GET', `/v1/messages/${created.body.id}`);
    expect(message.body.status).to.equal('canceled');
    const types = (await app.runtime.db('events').where({ stream_id: created.body.id })).map(
      (e: { type: string }) => e.type,
    );
    expect(types).to.deep.equal(['message.scheduled', 'message.canceled']);
  });
});
