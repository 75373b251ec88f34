import { expect } from 'chai';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import {
  decodeWebhookSecret,
  generateWebhookSecret,
  signPayload,
  webhookHeaders,
} from '../../src/webhooks/signing.js';

const SPEC_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('signPayload', () => {
  it('matches the Standard Webhooks reference vector', () => {
    const signature = signPayload({
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: 1614265330,
      body: '{"test": 2432232314}',
      secrets: [SPEC_SECRET],
    });
    expect(signature).to.equal('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('matches a vector computed with openssl for a Trunkline event', () => {
    // printf '%s' 'evt_....1767225600.{...}' | openssl dgst -sha256 -mac HMAC \
    //   -macopt hexkey:31f290f6bf06298aab4f08d43c3f082cf648a362da2da4b0 -binary | base64
    const body =
      '{"id":"evt_01JH8ZQ4M7W3V6XK2N9R5TBC0D","type":"message.delivered",' +
      '"created_at":"2026-01-01T00:00:00.000Z","data":{"id":"msg_1","to":"+447700900123"}}';
    const signature = signPayload({
      id: 'evt_01JH8ZQ4M7W3V6XK2N9R5TBC0D',
      timestamp: 1767225600,
      body,
      secrets: [SPEC_SECRET],
    });
    expect(signature).to.equal('v1,yGCbwfPubnlKb939z+9K/SOPuS0ENXYxXXSso8YcD3A=');
  });

  it('is accepted by the standardwebhooks package for any id and body', () => {
    const secret = generateWebhookSecret();
    const verifier = new Webhook(secret);
    fc.assert(
      fc.property(fc.stringMatching(/^evt_[A-Z0-9]{1,26}$/), fc.string(), (id, text) => {
        const body = JSON.stringify({ id, text });
        const timestamp = Math.floor(Date.now() / 1000);
        const headers = webhookHeaders({ id, timestamp, body, secrets: [secret] });
        expect(verifier.verify(body, headers)).to.deep.equal({ id, text });
      }),
      { numRuns: 50 },
    );
  });

  it('carries one signature per secret so either secret verifies during a rotation', () => {
    const [oldSecret, newSecret] = [generateWebhookSecret(), generateWebhookSecret()];
    const body = '{"type":"message.sent"}';
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders({
      id: 'evt_1',
      timestamp,
      body,
      secrets: [newSecret, oldSecret],
    });
    expect(headers['webhook-signature'].split(' ')).to.have.length(2);
    expect(() => new Webhook(oldSecret).verify(body, headers)).not.to.throw();
    expect(() => new Webhook(newSecret).verify(body, headers)).not.to.throw();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).to.throw();
  });

  it('refuses a call without secrets or with a fractional timestamp', () => {
    expect(() => signPayload({ id: 'e', timestamp: 1, body: '', secrets: [] })).to.throw();
    expect(() =>
      signPayload({ id: 'e', timestamp: 1.5, body: '', secrets: [SPEC_SECRET] }),
    ).to.throw();
  });
});

describe('webhookHeaders', () => {
  it('sets the id, the timestamp in seconds, JSON content and the Trunkline user agent', () => {
    const headers = webhookHeaders({
      id: 'evt_9',
      timestamp: 1700000000,
      body: '{}',
      secrets: [SPEC_SECRET],
    });
    expect(headers).to.include({
      'webhook-id': 'evt_9',
      'webhook-timestamp': '1700000000',
      'content-type': 'application/json',
      'user-agent': 'Trunkline-Webhooks/1',
    });
    expect(headers['webhook-signature']).to.match(/^v1,[A-Za-z0-9+/]{43}=$/);
  });
});

describe('generateWebhookSecret', () => {
  it('makes whsec_ secrets holding 24 random bytes', () => {
    const first = generateWebhookSecret();
    expect(first).to.match(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(decodeWebhookSecret(first)).to.have.length(24);
    expect(generateWebhookSecret()).not.to.equal(first);
  });
});

describe('decodeWebhookSecret', () => {
  it('rejects an empty or non-base64 secret instead of guessing a key', () => {
    expect(() => decodeWebhookSecret('whsec_')).to.throw(/base64/);
    expect(() => decodeWebhookSecret('whsec_not base64!')).to.throw(/base64/);
  });
});
