import { expect } from 'chai';
import { AppError } from '../../src/platform/index.js';
import {
  isIpAllowed,
  isValidCidr,
  verifyIngressSignature,
} from '../../src/webhooks/ingress-verify.js';
import { generateWebhookSecret, webhookHeaders } from '../../src/webhooks/signing.js';

const SECRET = generateWebhookSecret();
const NOW = new Date('2026-03-01T12:00:00Z');
const NOW_SEC = NOW.getTime() / 1000;
const BODY = '{"provider_event_id":"p1","provider_message_id":"m1","status":"delivered"}';

function signed(options: { secrets?: string[]; timestamp?: number; body?: string } = {}) {
  return webhookHeaders({
    id: 'prov_evt_1',
    timestamp: options.timestamp ?? NOW_SEC,
    body: options.body ?? BODY,
    secrets: options.secrets ?? [SECRET],
  });
}

function failureOf(run: () => void): AppError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(AppError);
    return error as AppError;
  }
  expect.fail('expected verification to fail');
}

function verify(headers: Record<string, string | string[] | undefined>, rawBody = BODY) {
  verifyIngressSignature({ headers, rawBody, secrets: [SECRET], now: NOW });
}

describe('verifyIngressSignature', () => {
  it('accepts a request signed with the connector secret', () => {
    expect(() => verify(signed())).not.to.throw();
  });

  it('answers 401 naming every missing header of an unsigned request', () => {
    const error = failureOf(() => verify({ 'content-type': 'application/json' }));
    expect(error.status).to.equal(401);
    expect(error.code).to.equal('invalid_webhook_signature');
    expect(error.detail).to.equal(
      'Missing header(s): webhook-id, webhook-timestamp, webhook-signature.',
    );
  });

  it('answers 401 when signed with another secret', () => {
    const error = failureOf(() => verify(signed({ secrets: [generateWebhookSecret()] })));
    expect(error.status).to.equal(401);
    expect(error.detail).to.match(/No webhook-signature matches/);
  });

  it('answers 401 when the body was altered after signing', () => {
    const error = failureOf(() => verify(signed(), BODY.replace('delivered', 'failed')));
    expect(error.detail).to.match(/No webhook-signature matches/);
  });

  it('accepts timestamps exactly 5 minutes old or ahead', () => {
    expect(() => verify(signed({ timestamp: NOW_SEC - 300 }))).not.to.throw();
    expect(() => verify(signed({ timestamp: NOW_SEC + 300 }))).not.to.throw();
  });

  it('answers 401 for a timestamp more than 5 minutes old', () => {
    const error = failureOf(() => verify(signed({ timestamp: NOW_SEC - 301 })));
    expect(error.detail).to.equal('webhook-timestamp is 301 s old; at most 300 s is accepted.');
  });

  it('answers 401 for a timestamp more than 5 minutes ahead', () => {
    const error = failureOf(() => verify(signed({ timestamp: NOW_SEC + 301 })));
    expect(error.detail).to.match(/301 s in the future/);
  });

  it('honours a custom tolerance', () => {
    const headers = signed({ timestamp: NOW_SEC - 30 });
    const run = () =>
      verifyIngressSignature({
        headers,
        rawBody: BODY,
        secrets: [SECRET],
        now: NOW,
        toleranceSec: 10,
      });
    expect(failureOf(run).detail).to.match(/30 s old/);
  });

  it('answers 401 for a timestamp that is not Unix seconds', () => {
    const headers = { ...signed(), 'webhook-timestamp': '2026-03-01T12:00:00Z' };
    expect(failureOf(() => verify(headers)).detail).to.match(/not Unix time/);
  });

  it('accepts a request whose second signature is the valid one', () => {
    const valid = signed()['webhook-signature'];
    const wrong = signed({ secrets: [generateWebhookSecret()] })['webhook-signature'];
    expect(() => verify({ ...signed(), 'webhook-signature': `${wrong} ${valid}` })).not.to.throw();
  });

  it('accepts a request signed with the older of two connector secrets', () => {
    const older = generateWebhookSecret();
    const headers = signed({ secrets: [older] });
    expect(() =>
      verifyIngressSignature({ headers, rawBody: BODY, secrets: [SECRET, older], now: NOW }),
    ).not.to.throw();
  });

  it('ignores signatures of other versions and malformed entries', () => {
    const valid = signed()['webhook-signature'].slice(3);
    const headers = { ...signed(), 'webhook-signature': `v2,${valid} v1,short v1a,${valid}` };
    expect(failureOf(() => verify(headers)).detail).to.match(/no well-formed v1 signature/);
    const mixed = { ...signed(), 'webhook-signature': `v2,${valid} v1,${'A'.repeat(43)}=` };
    expect(failureOf(() => verify(mixed)).detail).to.match(/No webhook-signature matches/);
  });

  it('answers 401 when the connector has no secret', () => {
    const run = () =>
      verifyIngressSignature({ headers: signed(), rawBody: BODY, secrets: [], now: NOW });
    expect(failureOf(run).detail).to.match(/no signing secret/);
  });
});

describe('isIpAllowed', () => {
  it('allows every source when the list is empty', () => {
    expect(isIpAllowed('203.0.113.7', [])).to.equal(true);
  });

  it('matches IPv4 sources against IPv4 ranges and single addresses', () => {
    const cidrs = ['198.51.100.0/24', '203.0.113.7'];
    expect(isIpAllowed('198.51.100.250', cidrs)).to.equal(true);
    expect(isIpAllowed('203.0.113.7', cidrs)).to.equal(true);
    expect(isIpAllowed('203.0.113.8', cidrs)).to.equal(false);
  });

  it('matches IPv6 sources against IPv6 ranges', () => {
    const cidrs = ['2001:db8:abcd::/48'];
    expect(isIpAllowed('2001:db8:abcd:12::1', cidrs)).to.equal(true);
    expect(isIpAllowed('2001:db8:abce::1', cidrs)).to.equal(false);
  });

  it('matches IPv4-mapped IPv6 sources against IPv4 ranges', () => {
    expect(isIpAllowed('::ffff:198.51.100.9', ['198.51.100.0/24'])).to.equal(true);
    expect(isIpAllowed('::ffff:192.0.2.9', ['198.51.100.0/24'])).to.equal(false);
  });

  it('accepts IPv4 ranges written in mapped IPv6 form', () => {
    expect(isIpAllowed('198.51.100.9', ['::ffff:198.51.100.0/120'])).to.equal(true);
  });

  it('never matches an IPv4 source against an IPv6 range or the reverse', () => {
    expect(isIpAllowed('10.0.0.1', ['::/0'])).to.equal(false);
    expect(isIpAllowed('::1', ['0.0.0.0/0'])).to.equal(false);
  });

  it('refuses an unparsable source and skips unparsable entries', () => {
    expect(isIpAllowed('not-an-ip', ['0.0.0.0/0'])).to.equal(false);
    expect(isIpAllowed('10.1.2.3', ['bogus', '10.0.0.0/8'])).to.equal(true);
  });
});

describe('isValidCidr', () => {
  it('accepts ranges and addresses and rejects anything else', () => {
    expect(['10.0.0.0/8', '2001:db8::/32', '192.0.2.1', '::1'].every(isValidCidr)).to.equal(true);
    expect(['10.0.0.0/33', 'example.com', '', '::ffff:1.2.3.4/90'].some(isValidCidr)).to.equal(
      false,
    );
  });

  it('refuses the inet_aton forms and zones that would allow another range than written', () => {
    // ipaddr.js reads 010.0.0.1 as octal (8.0.0.1) and 127.1 as 127.0.0.1.
    for (const entry of ['010.0.0.1', '0x7f.1/8', '127.1', 'fe80::1%eth0/64', '10.0.0.0/08']) {
      expect(isValidCidr(entry), entry).to.equal(false);
    }
    expect(isIpAllowed('8.0.0.1', ['010.0.0.1'])).to.equal(false);
  });
});
