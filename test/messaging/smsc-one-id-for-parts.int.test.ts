import { expect } from 'chai';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor } from '../support/http.js';
import { messageInStatus } from './message-fixtures.js';
import { startScriptedSmsc, type ScriptedSmsc } from './scripted-smsc.js';

/**
 * An SMSC that gives every part of one long message the same message id (and a receipt per
 * part for that id): the parts keep the id, and its receipts reach all of them.
 */
describe('an SMSC that gives the parts of one message one id', function () {
  this.timeout(20_000);
  let app: TestApp;
  let smsc: ScriptedSmsc;

  before(async () => {
    smsc = await startScriptedSmsc(() => ({ messageId: '555' }));
    app = await startApp({ env: { SMPP_URL: smsc.url() } });
  });
  after(async () => {
    await app.stop();
    await smsc.stop();
  });

  it('marks the message delivered when a receipt for the id arrives per part', async () => {
    const api = clientFor(app.url, (await createTestProject(app, 'one-id')).apiKey);
    const sent = await api<{ id: string }>('POST', '/v1/messages', {
      body: { to: '+14155550781', from: 'Trunkline', body: 'y'.repeat(200) },
    });
    await messageInStatus(api, sent.body.id, 'sent');
    const parts = await app.runtime
      .db('message_parts')
      .where({ message_id: sent.body.id })
      .orderBy('part');
    expect(parts.map((p) => p.smsc_id)).to.deep.equal(['555', '555']);
    for (let i = 0; i < 2; i += 1) {
      expect(await smsc.receipt('id:555 sub:001 dlvrd:001 stat:DELIVRD err:000')).to.equal(0);
    }
    await messageInStatus(api, sent.body.id, 'delivered', 5_000);
  });
});
