import { expect } from 'chai';
import { Webhook } from 'standardwebhooks';
import { createSilentLogger } from '../../src/platform/index.js';
import { createWebhookReceiver, type WebhookReceiver } from '../../src/webhooks/index.js';
import {
  ADMIN_TOKEN,
  createTestProject,
  startApp,
  type TestApp,
  type TestProject,
} from '../support/harness.js';
import { call, clientFor, eventually } from '../support/http.js';

interface Message {
  id: string;
  status: string;
  body: string;
  direction: string;
  from: string;
  to: string;
}

const NUMBER = '+14155550299';
const PHONE = '+14155550300';

describe('inbound SMS, opt-out and receipts by ingress', () => {
  let app: TestApp;
  let project: TestProject;
  let api: ReturnType<typeof clientFor>;
  let numberHook: WebhookReceiver;

  const text = (body: string, from = PHONE) =>
    api('POST', '/sandbox/v1/sms', { body: { from, to: NUMBER, body } });

  const inboundFrom = async (from: string, body: string) =>
    eventually(async () => {
      const list = await api<{ data: Message[] }>(
        'GET',
        `/v1/messages?direction=inbound&from=${encodeURIComponent(from)}`,
      );
      return list.body.data.find((m) => m.body === body);
    });

  /** A connector registered by the operator, and signed posts of its events to ingress. */
  async function ingressProvider(name: string) {
    const { body: connector } = await call<{ id: string; secret: string }>(
      app.url,
      'POST',
      '/admin/v1/connectors',
      { key: ADMIN_TOKEN, body: { kind: 'http', name } },
    );
    return {
      post(kind: string, eventId: string, payload: Record<string, unknown>) {
        const body = JSON.stringify({ provider_event_id: eventId, ...payload });
        return call(app.url, 'POST', `/v1/ingress/${connector.id}/${kind}`, {
          rawBody: body,
          headers: {
            'content-type': 'application/json',
            'webhook-id': eventId,
            'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
            'webhook-signature': new Webhook(connector.secret).sign(eventId, new Date(), body),
          },
        });
      },
    };
  }

  before(async () => {
    app = await startApp();
    project = await createTestProject(app);
    api = clientFor(app.url, project.apiKey);
    numberHook = createWebhookReceiver({
      secret: project.webhookSecret,
      logger: createSilentLogger(),
    });
    const { url } = await numberHook.start();
    expect(
      (
        await api('POST', '/v1/numbers', {
          body: { number: NUMBER, sms_url: url, help_text: 'Acme support: reply STOP to opt out.' },
        })
      ).status,
    ).to.equal(201);
  });
  after(async () => {
    await numberHook.stop();
    await app.stop();
  });

  it("stores an inbound SMS as received and posts message.received to the number's sms_url", async () => {
    expect((await text('Hi there')).status).to.equal(202);
    const message = await inboundFrom(PHONE, 'Hi there');
    expect(message).to.include({ status: 'received', direction: 'inbound', to: NUMBER });
    const hook = await numberHook.waitFor(
      (e) => e.type === 'message.received' && (e.data as Message).id === message.id,
      5000,
    );
    expect(hook.verified).to.equal(true);
  });

  it('reassembles a long multi-part UCS-2 message before storing it', async () => {
    const body = 'Привет 👋 '.repeat(30);
    await text(body, '+14155550301');
    const message = await inboundFrom('+14155550301', body);
    expect(message.body).to.equal(body);
  });

  it('refuses the next send after STOP with 422 recipient_opted_out, and allows it again after START', async () => {
    const phone = '+14155550302';
    await text('stop', phone);
    await inboundFrom(phone, 'stop');
    const refused = await eventually(async () => {
      const res = await api('POST', '/v1/messages', {
        body: { from: NUMBER, to: phone, body: 'promo' },
      });
      return res.status === 422 ? res : undefined;
    });
    expect(refused.body.code).to.equal('recipient_opted_out');
    const confirmations = await eventually(async () => {
      const list = await api<{ data: Message[] }>(
        'GET',
        `/v1/messages?direction=outbound&to=${encodeURIComponent(phone)}`,
      );
      return list.body.data.length > 0 ? list.body.data : undefined;
    });
    expect(confirmations[0].body).to.contain('unsubscribed');
    // The refused send left nothing behind: no row, no send job.
    expect(confirmations.map((m) => m.body)).to.not.include('promo');
    await text('START', phone);
    await inboundFrom(phone, 'START');
    const allowed = await eventually(async () => {
      const res = await api('POST', '/v1/messages', {
        body: { from: NUMBER, to: phone, body: 'welcome back' },
      });
      return res.status === 201 ? res : undefined;
    });
    expect(allowed.status).to.equal(201);
  });

  it('delivers the STOP confirmation to the sender who has just opted out', async () => {
    const phone = '+14155550761';
    await text('STOP', phone);
    const confirmation = await eventually(async () => {
      const list = await api<{ data: Message[] }>(
        'GET',
        `/v1/messages?direction=outbound&to=${encodeURIComponent(phone)}`,
      );
      const reply = list.body.data[0];
      return reply && ['delivered', 'failed'].includes(reply.status) ? reply : undefined;
    });
    expect(confirmation.body).to.contain('unsubscribed');
    expect(confirmation.status, 'consent is checked again when sending, but not for it').to.equal(
      'delivered',
    );
  });

  it("answers HELP with the number's help text", async () => {
    const phone = '+14155550303';
    await text('HELP', phone);
    const reply = await eventually(async () => {
      const list = await api<{ data: Message[] }>(
        'GET',
        `/v1/messages?direction=outbound&to=${encodeURIComponent(phone)}`,
      );
      return list.body.data[0];
    });
    expect(reply.body).to.equal('Acme support: reply STOP to opt out.');
  });

  it('refuses a sandbox text to a number the project does not own (422)', async () => {
    const res = await api('POST', '/sandbox/v1/sms', {
      body: { from: PHONE, to: '+14155550999', body: 'x' },
    });
    expect(res.status).to.equal(422);
  });

  it('applies a provider DLR from ingress through the same transition as an SMPP DLR', async () => {
    const sent = await api<Message>('POST', '/v1/messages', {
      body: { from: NUMBER, to: '+15005550004', body: 'needs a dlr' },
    });
    await eventually(async () =>
      (await api<Message>('GET', `/v1/messages/${sent.body.id}`)).body.status === 'sent'
        ? true
        : undefined,
    );
    const [part] = await app.runtime.db('message_parts').where({ message_id: sent.body.id });
    const provider = await ingressProvider('dlr-provider');
    const post = (status: string, eventId: string) =>
      provider.post('dlr', eventId, { provider_message_id: part.smsc_id, status });
    // With stray spaces, as some providers write it (this changed nothing).
    expect((await post(' delivered ', 'dlr-1')).status).to.equal(200);
    await eventually(async () =>
      (await api<Message>('GET', `/v1/messages/${sent.body.id}`)).body.status === 'delivered'
        ? true
        : undefined,
    );
    expect((await post('undelivered', 'dlr-2')).status).to.equal(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(
      (await api<Message>('GET', `/v1/messages/${sent.body.id}`)).body.status,
      'never backwards',
    ).to.equal('delivered');
  });

  it('receives an MO from ingress like an SMPP MO, and refuses one it could not store (400)', async () => {
    const provider = await ingressProvider('mo-provider');
    const post = (eventId: string, payload: Record<string, unknown>) =>
      provider.post('mo', eventId, payload);
    const ok = await post('mo-1', { from: '+14155550303', to: NUMBER, body: 'by ingress' });
    expect(ok.status).to.equal(200);
    expect(await inboundFrom('+14155550303', 'by ingress')).to.include({ status: 'received' });
    // A provider that writes numbers without '+' or with spaces: the same E.164 numbers. A STOP
    // from '15556624402' opted out an address nobody sends to.
    const bare = await post('mo-2', { from: '14155550304', to: ` ${NUMBER} `, body: 'STOP' });
    expect(bare.status).to.equal(200);
    expect(await inboundFrom('+14155550304', 'STOP')).to.include({ status: 'received' });
    const refused = await api<{ code: string }>('POST', '/v1/messages', {
      body: { from: NUMBER, to: '+14155550304', body: 'still there?' },
    });
    expect([refused.status, refused.body.code]).to.deep.equal([422, 'recipient_opted_out']);
    for (const [name, payload] of Object.entries({
      'no to': { from: '+14155550303', body: 'x' },
      'a number for body': { from: '+14155550303', to: NUMBER, body: 7 },
      'a from of 5,000 characters': { from: '1'.repeat(5000), to: NUMBER, body: 'x' },
    })) {
      const res = await post(`mo-bad-${name}`, payload);
      expect(res.status, name).to.equal(400);
      expect(res.body.errors, name).to.have.length.greaterThan(0);
    }
  });

  it('stores an 8-bit MO holding a NUL octet, with U+FFFD for the NUL', async () => {
    await app.runtime.services.sandboxSmsc()!.injectMo({
      from: '+14155550302',
      to: NUMBER,
      body: '',
      raw: { dataCoding: 4, shortMessage: Buffer.from([0x41, 0x00, 0x42]) },
    });
    const message = await inboundFrom('+14155550302', 'A\uFFFDB');
    expect(message).to.include({ status: 'received', direction: 'inbound' });
  });

  it('keeps an MO to an unknown number as unrouted', async () => {
    await app.runtime.services
      .sandboxSmsc()!
      .injectMo({ from: PHONE, to: '+14155550998', body: 'lost?' });
    const row = await eventually(async () =>
      app.runtime.db('unrouted_messages').where({ to_addr: '+14155550998' }).first(),
    );
    expect(row.body).to.equal('lost?');
  });
});
