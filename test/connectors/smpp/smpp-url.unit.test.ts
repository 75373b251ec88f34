import { expect } from 'chai';
import { parseSmppUrls } from '../../../src/connectors/smpp/smpp-url.js';

describe('parseSmppUrls', () => {
  it('reads credentials, host, port and applies the defaults', () => {
    expect(parseSmppUrls('smpp://trunkline:s%40cret@jasmin:2776')).to.deep.equal([
      {
        id: 'smpp-1',
        host: 'jasmin',
        port: 2776,
        tls: false,
        systemId: 'trunkline',
        password: 's@cret',
        systemType: '',
        window: 10,
        throughput: 0,
        responseTimeoutMs: 10_000,
        enquireLinkMs: 30_000,
        prefixes: [],
        reconnect: { initialMs: 200, maxMs: 30_000 },
      },
    ]);
  });

  it('reads window, throughput, prefixes and an explicit id', () => {
    const [config] = parseSmppUrls(
      'smpp://a:b@h?window=4&throughput=100&prefix=%2B44&prefix=33|%2B1415&id=uk-main',
    );
    expect(config).to.include({ id: 'uk-main', window: 4, throughput: 100, port: 2775 });
    expect(config.prefixes).to.deep.equal(['+44', '+33', '+1415']);
  });

  it('splits several URLs on commas and numbers them in order', () => {
    const configs = parseSmppUrls('smpp://a:b@one:1, smpp://c:d@two:2?prefix=%2B44');
    expect(configs.map((config) => [config.id, config.host, config.port])).to.deep.equal([
      ['smpp-1', 'one', 1],
      ['smpp-2', 'two', 2],
    ]);
  });

  it('uses TLS and port 3550 for ssmpp://', () => {
    expect(parseSmppUrls('ssmpp://a:b@h')[0]).to.include({ tls: true, port: 3550 });
  });

  for (const [label, value] of [
    ['an http URL', 'http://a:b@h'],
    ['a missing system_id', 'smpp://h:2775'],
    ['a non-numeric window', 'smpp://a:b@h?window=ten'],
    ['a zero window', 'smpp://a:b@h?window=0'],
    ['an unknown parameter', 'smpp://a:b@h?windw=3'],
    ['a prefix with letters', 'smpp://a:b@h?prefix=UK'],
    ['a duplicate id', 'smpp://a:b@h?id=x,smpp://a:b@h?id=x'],
    ['nothing at all', ' , '],
  ]) {
    it(`rejects ${label} with an error naming SMPP_URL`, () => {
      expect(() => parseSmppUrls(value)).to.throw(Error, /SMPP_URL/);
    });
  }

  it('never puts the password in its error message', () => {
    expect(() => parseSmppUrls('smpp://a:hunter2@h?window=x')).to.throw(/^(?!.*hunter2)/);
  });
});
