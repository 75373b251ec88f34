import { expect } from 'chai';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor, eventually } from '../support/http.js';
import { messageInStatus } from './message-fixtures.js';
import { startScriptedSmsc, type ScriptedSmsc } from './scripted-smsc.js';

const NUMBER = '+14155550791';

/**
 * Two binds to one SMSC account (and a third to another account on the same SMSC): the SMSC
 * delivers the account's receipts and MO parts on either of its binds.
 */
describe('several binds to one SMSC account', function () {
  this.timeout(30_000);
  let app: TestApp;
  let smsc: ScriptedSmsc;
  let api: ReturnType<typeof clientFor>;
  let next = 700;

  before(async () => {
    smsc = await startScriptedSmsc(() => ({ messageId: String((next += 1)) }));
    app = await startApp({
      env: { SMPP_URL: [smsc.url(), smsc.url(), smsc.url('other')].join(',') },
    });
    await eventually(async () => (smsc.binds().length === 3 ? true : undefined), 10_000);
    api = clientFor(app.url, (await createTestProject(app, 'account-binds')).apiKey);
    await api('POST', '/v1/numbers', { body: { number: NUMBER } });
  });
  after(async () => {
    await app.stop();
    await smsc.stop();
  });

  /** The binds of the account the last submit came on, besides that one, and another account's. */
  function otherBinds() {
    const binds = smsc.binds();
    const used = smsc.submitBinds().at(-1)!;
    const sibling = binds.findIndex((id, i) => i !== used && id === binds[used]);
    const foreign = binds.findIndex((id) => id !== binds[used]);
    return { sibling, foreign };
  }

  it('applies a receipt that comes on another bind of the account, and none from another account', async () => {
    const sent = await api<{ id: string }>('POST', '/v1/messages', {
      body: { to: '+14155550792', from: NUMBER, body: 'two binds' },
    });
    await messageInStatus(api, sent.body.id, 'sent');
    const id = String(next);
    const { sibling, foreign } = otherBinds();
    expect(smsc.binds()[foreign]).to.equal('other');
    expect(await smsc.receipt(`id:${id} stat:UNDELIV err:001`, foreign)).to.equal(0);
    expect(await smsc.receipt(`id:${id} stat:DELIVRD err:000`, sibling)).to.equal(0);
    await messageInStatus(api, sent.body.id, 'delivered', 5_000);
  });

  it('joins the parts of a long MO message that come on two binds of the account', async () => {
    const binds = smsc.binds();
    const first = binds.indexOf('trunkline');
    const second = binds.lastIndexOf('trunkline');
    const part = (seq: number, text: string) => ({
      source_addr: '14155550793',
      destination_addr: NUMBER.slice(1),
      esm_class: 0x40,
      short_message: Buffer.concat([Buffer.from([5, 0, 3, 0x2a, 2, seq]), Buffer.from(text)]),
    });
    expect(await smsc.deliver(part(1, 'Hello from '), first)).to.equal(0);
    expect(await smsc.deliver(part(2, 'two binds'), second)).to.equal(0);
    const found = await eventually(async () => {
      const list = await api<{ data: Array<{ body: string }> }>(
        'GET',
        `/v1/messages?direction=inbound&from=${encodeURIComponent('+14155550793')}`,
      );
      return list.body.data.length > 0 ? list.body.data : undefined;
    }, 10_000);
    expect(found.map((m) => m.body)).to.deep.equal(['Hello from two binds']);
  });
});
