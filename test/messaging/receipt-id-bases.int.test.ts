import { expect } from 'chai';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor, eventually } from '../support/http.js';
import { messageInStatus } from './message-fixtures.js';
import { startScriptedSmsc, type ScriptedSmsc } from './scripted-smsc.js';

/**
 * Numeric SMSC ids read in another base name other messages (10 read as hex is 16; 116 is
 * 0x74): a receipt goes to the part with its id as given, and to one of another base only
 * when it has waited in vain for that.
 */
describe('receipts whose id read in another base is another message', function () {
  this.timeout(30_000);
  const ids: Record<string, { messageId: string; delayMs?: number }> = {
    '14155550771': { messageId: '16' },
    '14155550772': { messageId: '10', delayMs: 2_000 },
    '14155550773': { messageId: '74', delayMs: 1_000 },
  };
  let app: TestApp;
  let smsc: ScriptedSmsc;
  let api: ReturnType<typeof clientFor>;

  before(async () => {
    smsc = await startScriptedSmsc((_, to) => ids[to.replace(/^\+/, '')] ?? { messageId: '1' });
    app = await startApp({ env: { SMPP_URL: smsc.url() } });
    api = clientFor(app.url, (await createTestProject(app, 'id-bases')).apiKey);
  });
  after(async () => {
    await app.stop();
    await smsc.stop();
  });

  const send = async (to: string) =>
    (
      await api<{ id: string }>('POST', '/v1/messages', {
        body: { to: `+${to}`, from: 'Trunkline', body: 'bases' },
      })
    ).body.id;
  const view = async (id: string) =>
    (await api<{ status: string; error_code: string | null }>('GET', `/v1/messages/${id}`)).body;
  const reaches = (id: string, status: string) => messageInStatus(api, id, status);

  it('applies a receipt for 10 to the message of 10, whose submit response came late, not to that of 16', async () => {
    const a = await send('14155550771');
    await reaches(a, 'sent');
    const before = smsc.submitted();
    const b = await send('14155550772');
    await eventually(async () => (smsc.submitted() > before ? true : undefined), 5_000);
    expect(await smsc.receipt('id:10 sub:001 dlvrd:000 stat:UNDELIV err:007')).to.equal(0);
    await reaches(b, 'undelivered');
    expect((await view(b)).error_code).to.equal('dlr_007');
    expect((await view(a)).status).to.equal('sent');
  });

  it('leaves a kept receipt for 116 to its own part, not to a part of id 74 (0x74) recorded later', async () => {
    const before = smsc.submitted();
    const c = await send('14155550773');
    await eventually(async () => (smsc.submitted() > before ? true : undefined), 5_000);
    expect(await smsc.receipt('id:116 sub:001 dlvrd:001 stat:DELIVRD err:000')).to.equal(0);
    await reaches(c, 'sent');
    expect(await smsc.receipt('id:74 sub:001 dlvrd:000 stat:UNDELIV err:001')).to.equal(0);
    await reaches(c, 'undelivered');
  });
});

describe('an SMSC that gives ids in hex and its receipts in decimal', function () {
  this.timeout(20_000);
  let app: TestApp;
  let smsc: ScriptedSmsc;

  before(async () => {
    smsc = await startScriptedSmsc((n) => ({ messageId: n === 1 ? 'ff' : '1a' }));
    app = await startApp({
      env: {
        SMPP_URL: smsc.url(),
        RECEIPT_CROSS_BASE_WAIT_MS: '200',
      },
    });
  });
  after(async () => {
    await app.stop();
    await smsc.stop();
  });

  it('marks its messages delivered, the first after the wait', async () => {
    const api = clientFor(app.url, (await createTestProject(app, 'hex-dec')).apiKey);
    for (const [to, receiptId] of [
      ['+14155550774', '255'],
      ['+14155550775', '26'],
    ]) {
      const sent = await api<{ id: string }>('POST', '/v1/messages', {
        body: { to, from: 'Trunkline', body: 'hex' },
      });
      await messageInStatus(api, sent.body.id, 'sent');
      expect(await smsc.receipt(`id:${receiptId} stat:DELIVRD err:000`)).to.equal(0);
      await messageInStatus(api, sent.body.id, 'delivered', 5_000);
    }
  });
});
