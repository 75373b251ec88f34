import { expect } from 'chai';
import { Webhook } from 'standardwebhooks';
import { createIdGenerator, createManualClock } from '../../src/platform/index.js';
import { createAttempter } from '../../src/webhooks/attempt.js';
import type { ClaimedDelivery } from '../../src/webhooks/deliveries.store.js';
import { createEndpointGuard } from '../../src/webhooks/endpoint-guard.js';
import type { SendInput, WebhookSender } from '../../src/webhooks/http-sender.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

function delivery(n: number): ClaimedDelivery {
  return {
    id: `whd_${n}`,
    project_id: 'prj_1',
    event_id: `evt_${n}`,
    url: 'https://example.com/hook',
    body: JSON.stringify({ id: `evt_${n}`, type: 'message.sent', data: { n } }),
    attempts: 0,
    max_attempts: 8,
  };
}

function setUp(secrets: () => Promise<string[]> = async () => [SECRET]) {
  // 200 ms into the current second (the verifier refuses timestamps 5 minutes off).
  const clock = createManualClock(new Date(Math.floor(Date.now() / 1000) * 1000 + 200));
  const sent: SendInput[] = [];
  let lookups = 0;
  const sender: WebhookSender = {
    async send(input) {
      sent.push(input);
      return {
        outcome: 'success',
        statusCode: 200,
        latencyMs: 1,
        error: null,
        responseSnippet: '',
      };
    },
    close: async () => undefined,
  };
  const attempt = createAttempter({
    sender,
    guard: createEndpointGuard({ maxConcurrent: 10, failureThreshold: 5, openForMs: 1000 }),
    ids: createIdGenerator(clock),
    clock,
    retryDelaysSec: [1],
    signingSecrets: async () => {
      lookups += 1;
      return secrets();
    },
  });
  return { clock, sent, attempt, lookups: () => lookups };
}

function verified(input: SendInput): unknown {
  return new Webhook(SECRET).verify(input.body, input.headers);
}

describe('createAttempter', () => {
  it('sends deliveries signed ahead in a batch with valid signatures of their own second', async () => {
    const { clock, sent, attempt, lookups } = setUp();
    const second = String(Math.floor(clock.now().getTime() / 1000));
    const batch = [delivery(1), delivery(2), delivery(3)];
    await attempt.presign(batch);
    expect(lookups()).to.equal(1);
    clock.advance(700);
    for (const d of batch) await attempt(d);
    expect(lookups(), 'no secrets read again at the attempts').to.equal(1);
    expect(sent.map((s) => s.headers['webhook-id'])).to.deep.equal(['evt_1', 'evt_2', 'evt_3']);
    for (const input of sent) {
      expect(input.headers['webhook-timestamp']).to.equal(second);
      expect(verified(input)).to.have.property('id', input.headers['webhook-id']);
    }
  });

  it('signs afresh when the attempt starts in a later second than its early signature', async () => {
    const { clock, sent, attempt } = setUp();
    const late = delivery(4);
    await attempt.presign([late]);
    clock.advance(800);
    await attempt(late);
    const nowSeconds = Math.floor(clock.now().getTime() / 1000);
    expect(sent[0].headers['webhook-timestamp']).to.equal(String(nowSeconds));
    expect(verified(sent[0])).to.deep.include({ id: 'evt_4' });
  });

  it('leaves deliveries unsigned when their secrets cannot be read, and signs them at the attempt', async () => {
    let fail = true;
    const { sent, attempt } = setUp(async () => {
      if (fail) throw new Error('database unavailable');
      return [SECRET];
    });
    const d = delivery(5);
    await attempt.presign([d]);
    fail = false;
    await attempt(d);
    expect(verified(sent[0])).to.deep.include({ id: 'evt_5' });
  });
});
