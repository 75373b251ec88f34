import { expect } from 'chai';
import { createPartsStore } from '../../src/messaging/message-parts.store.js';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor } from '../support/http.js';

/**
 * An SMSC that hands out a message id again (restarted, its counter started over): the id
 * belongs to the newest part. Driven through the parts store, as the sender records parts.
 */
describe('an SMSC message id handed out again', () => {
  let app: TestApp;
  let parts: ReturnType<typeof createPartsStore>;
  const messages: string[] = [];

  before(async () => {
    app = await startApp({ roles: { worker: false } });
    const project = await createTestProject(app);
    const api = clientFor(app.url, project.apiKey);
    await api('POST', '/v1/numbers', { body: { number: '+14155550751' } });
    for (const to of ['+14155550752', '+14155550753']) {
      const sent = await api<{ id: string }>('POST', '/v1/messages', {
        body: { from: '+14155550751', to, body: 'hello' },
      });
      messages.push(sent.body.id);
    }
    parts = createPartsStore(app.runtime.db);
  });
  after(() => app.stop());

  const record = (messageId: string, smscId: string) =>
    parts.insertPartsTakingEarly([
      {
        row: {
          message_id: messageId,
          part: 1,
          connector_id: 'smsc-reuse',
          smsc_id: smscId,
          status: 'sent',
          error_code: null,
          updated_at: new Date(),
        },
        smscIds: [smscId],
        binds: ['smsc-reuse'],
      },
    ]);

  it('gives the id to the newer part and keeps the older part under a marked id', async () => {
    const [older, newer] = messages;
    await record(older, '4f2a');
    // This insert failed on the unique SMSC id, and the sender submitted the message again.
    await record(newer, '4f2a');
    const [found] = await parts.findParts([{ connectorIds: ['smsc-reuse'], smscIds: ['4f2a'] }]);
    expect(found[0]?.message_id).to.equal(newer);
    const kept = await app.runtime
      .db('message_parts')
      .where({ message_id: older, part: 1 })
      .first<{ smsc_id: string }>();
    expect(kept.smsc_id).to.equal(`4f2a~reused-${older}-1`);
  });

  it('leaves a part that records its own id again as it was', async () => {
    const [, newer] = messages;
    await record(newer, '4f2a');
    const [found] = await parts.findParts([{ connectorIds: ['smsc-reuse'], smscIds: ['4f2a'] }]);
    expect(found[0]?.message_id).to.equal(newer);
  });
  it('gives the id to the newer part when the older one holds it on another bind of the account', async () => {
    const [older, newer] = messages;
    const binds = ['smsc-r1', 'smsc-r2'];
    const recordOn = (messageId: string, connector: string) =>
      parts.insertPartsTakingEarly([
        {
          row: {
            message_id: messageId,
            part: 1,
            connector_id: connector,
            smsc_id: '9c',
            status: 'sent',
            error_code: null,
            updated_at: new Date(),
          },
          smscIds: ['9c'],
          binds,
        },
      ]);
    await app.runtime.db('message_parts').whereIn('message_id', messages).delete();
    await recordOn(older, 'smsc-r1');
    await recordOn(newer, 'smsc-r2');
    const [found] = await parts.findParts([{ connectorIds: binds, smscIds: ['9c'] }]);
    expect(found.map((p) => p.message_id)).to.deep.equal([newer]);
  });
});
