import { expect } from 'chai';
import { createSilentLogger } from '../../src/platform/index.js';
import { createEndpointGuard, isParked } from '../../src/webhooks/endpoint-guard.js';
import {
  createWebhookSender,
  type AttemptResult,
  type WebhookSender,
} from '../../src/webhooks/http-sender.js';
import { createWebhookReceiver, type WebhookReceiver } from '../../src/webhooks/receiver.js';
import { generateWebhookSecret, webhookHeaders } from '../../src/webhooks/signing.js';

const logger = createSilentLogger();

function eventBody(id: string, type = 'message.delivered') {
  return JSON.stringify({ id, type, created_at: new Date().toISOString(), data: { id: 'msg_1' } });
}

function signedRequest(url: string, id: string, secrets: string[]) {
  const body = eventBody(id);
  const timestamp = Math.floor(Date.now() / 1000);
  return { url, body, headers: webhookHeaders({ id, timestamp, body, secrets }) };
}

describe('createWebhookReceiver', () => {
  const secret = generateWebhookSecret();
  let sender: WebhookSender;
  let receiver: WebhookReceiver;
  let url: string;

  beforeEach(async () => {
    sender = createWebhookSender({ allowPrivate: true, timeoutMs: 300, logger });
    receiver = createWebhookReceiver({
      secret,
      logger,
      respond: (event, attempt) =>
        !event.verified ? 401 : event.type === 'flaky' && attempt === 1 ? 503 : 200,
    });
    ({ url } = await receiver.start());
  });

  afterEach(async () => {
    await receiver.stop();
    await sender.close();
  });

  it('listens on 127.0.0.1 on a free port', () => {
    expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('verifies and records an event signed by our sender', async () => {
    const result = await sender.send(signedRequest(url, 'evt_1', [secret]));
    expect(result.outcome).to.equal('success');
    const event = await receiver.waitFor((e) => e.id === 'evt_1', 1000);
    expect(event).to.deep.include({
      type: 'message.delivered',
      data: { id: 'msg_1' },
      verified: true,
      reason: null,
      attempt: 1,
      status: 200,
    });
    expect(event.headers['user-agent']).to.equal('Trunkline-Webhooks/1');
  });

  it('verifies a delivery signed with both secrets during a rotation', async () => {
    await sender.send(signedRequest(url, 'evt_2', [generateWebhookSecret(), secret]));
    expect((await receiver.waitFor((e) => e.id === 'evt_2', 1000)).verified).to.equal(true);
  });

  it('records an event signed with another secret as unverified, with the reason', async () => {
    const result = await sender.send(signedRequest(url, 'evt_3', [generateWebhookSecret()]));
    expect(result).to.include({ outcome: 'retry', statusCode: 401 });
    const event = await receiver.waitFor((e) => e.id === 'evt_3', 1000);
    expect(event).to.include({
      verified: false,
      reason: 'No matching signature found',
      status: 401,
    });
  });

  it('records an unsigned request as unverified', async () => {
    await sender.send({
      url,
      headers: { 'content-type': 'application/json' },
      body: eventBody('evt_4'),
    });
    expect(receiver.events[0]).to.include({
      id: '',
      verified: false,
      reason: 'Missing required headers',
    });
  });

  it('counts attempts per webhook-id and answers as respond decides', async () => {
    const body = eventBody('evt_5', 'flaky');
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders({ id: 'evt_5', timestamp, body, secrets: [secret] });
    const results: AttemptResult[] = [];
    for (let i = 0; i < 2; i += 1) results.push(await sender.send({ url, body, headers }));
    expect(results.map((r) => r.statusCode)).to.deep.equal([503, 200]);
    expect(receiver.events.map((e) => e.attempt)).to.deep.equal([1, 2]);
  });

  it('rejects waitFor when nothing matching arrives in time', async () => {
    await receiver
      .waitFor(() => true, 30)
      .then(
        () => expect.fail('expected a timeout'),
        (error: Error) => expect(error.message).to.match(/within 30 ms/),
      );
  });
});

describe('webhook delivery across endpoints', () => {
  const secret = generateWebhookSecret();
  let dead: WebhookReceiver;
  let healthy: WebhookReceiver;
  let sender: WebhookSender;

  before(async () => {
    dead = createWebhookReceiver({
      secret,
      logger,
      respond: () => new Promise<number>(() => undefined),
    });
    healthy = createWebhookReceiver({ secret, logger });
    sender = createWebhookSender({ allowPrivate: true, timeoutMs: 1000, logger });
  });

  after(async () => {
    await Promise.all([dead.stop(), healthy.stop()]);
    await sender.close();
  });

  it('delivers to a healthy endpoint without waiting for a hanging one, then parks the dead one', async () => {
    const [{ url: deadUrl }, { url: healthyUrl }] = await Promise.all([
      dead.start(),
      healthy.start(),
    ]);
    const guard = createEndpointGuard({ maxConcurrent: 2, failureThreshold: 2, openForMs: 5000 });
    const failed = (r: AttemptResult) => r.outcome !== 'success';
    const deliver = (target: string, id: string) =>
      guard.run(target, () => sender.send(signedRequest(target, id, [secret])), failed);

    const stuck = [deliver(deadUrl, 'evt_d1'), deliver(deadUrl, 'evt_d2')];
    expect(await deliver(deadUrl, 'evt_d3')).to.include({ parked: true, reason: 'busy' });
    const started = performance.now();
    for (let i = 0; i < 5; i += 1) {
      const result = await deliver(healthyUrl, `evt_h${i}`);
      expect(!isParked(result) && result.outcome).to.equal('success');
    }
    expect(performance.now() - started).to.be.below(300);

    const deadResults = await Promise.all(stuck);
    expect(deadResults.map((r) => !isParked(r) && r.error)).to.deep.equal(['timeout', 'timeout']);
    expect(guard.stateOf(deadUrl).breaker).to.equal('open');
    expect(await deliver(deadUrl, 'evt_d4')).to.include({ parked: true, reason: 'open' });
    expect(healthy.events.filter((e) => e.verified)).to.have.length(5);
  });
});
