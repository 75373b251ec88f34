import { expect } from 'chai';
import { AppError } from '../../src/platform/index.js';
import {
  PrivateAddressError,
  checkCallbackUrl,
  isPublicAddress,
  resolvePublicAddress,
  type HostLookup,
} from '../../src/webhooks/url-guard.js';

const DNS: Record<string, string[]> = {
  'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'internal.example.com': ['10.1.2.3'],
  'rebind.example.com': ['93.184.215.14', '127.0.0.1'],
  'mapped.example.com': ['::ffff:192.168.1.1'],
};
const lookup: HostLookup = async (host) => DNS[host] ?? [];

async function refusal(url: string, allowPrivate = false): Promise<AppError> {
  try {
    await checkCallbackUrl(url, { allowPrivate, lookup, path: '/webhook_url' });
  } catch (error) {
    expect(error).to.be.instanceOf(AppError);
    return error as AppError;
  }
  return expect.fail(`expected ${url} to be refused`);
}

describe('checkCallbackUrl', () => {
  it('accepts an https URL whose host resolves only to public addresses', async () => {
    await checkCallbackUrl('https://hooks.example.com/trunkline?x=1', {
      allowPrivate: false,
      lookup,
    });
  });

  it('answers 422 invalid_callback_url for text that is not a URL', async () => {
    const error = await refusal('not a url');
    expect(error.status).to.equal(422);
    expect(error.code).to.equal('invalid_callback_url');
    expect(error.detail).to.match(/not a valid absolute URL/);
    expect(error.errors).to.deep.equal([{ path: '/webhook_url', message: error.detail }]);
  });

  it('refuses a URL over 2,048 bytes of UTF-8, however few characters it has', async () => {
    const emoji = `https://hooks.example.com/${'\u{1F600}'.repeat(600)}`;
    expect(emoji.length).to.be.below(2048);
    expect((await refusal(emoji)).detail).to.match(/longer than 2048 bytes/);
    await checkCallbackUrl(`https://hooks.example.com/${'x'.repeat(2000)}`, {
      allowPrivate: false,
      lookup,
    });
  });

  it('refuses schemes other than http and https', async () => {
    expect((await refusal('ftp://hooks.example.com/x')).detail).to.match(/http or https, not ftp/);
    expect((await refusal('file:///etc/passwd')).detail).to.match(/not file/);
  });

  it('refuses credentials in the URL', async () => {
    expect((await refusal('http://user:pw@hooks.example.com/')).detail).to.match(
      /user name or password/,
    );
  });

  for (const url of [
    'http://127.0.0.1:8080/hook',
    'http://10.0.0.5/hook',
    'http://172.16.3.4/',
    'http://192.168.0.10/',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'http://224.0.0.1/',
    'http://[::1]/',
    'http://[fd00::1]/',
    'http://[fe80::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::]/',
    'http://2130706433/',
    'http://0x7f.1/',
  ]) {
    it(`refuses the non-public address in ${url}`, async () => {
      expect((await refusal(url)).detail).to.match(/non-public address/);
    });
  }

  it('refuses a host name that resolves to a private address', async () => {
    const error = await refusal('https://internal.example.com/hook');
    expect(error.detail).to.equal(
      'Callback URL host internal.example.com resolves to a non-public address (10.1.2.3).',
    );
  });

  it('refuses a host name with any private answer among public ones', async () => {
    expect((await refusal('https://rebind.example.com/')).detail).to.match(/127\.0\.0\.1/);
    expect((await refusal('https://mapped.example.com/')).detail).to.match(/192\.168\.1\.1/);
  });

  it('refuses a host name that does not resolve', async () => {
    expect((await refusal('https://nowhere.example.com/')).detail).to.match(/does not resolve/);
    const failing: HostLookup = () => Promise.reject(new Error('ENOTFOUND'));
    const run = checkCallbackUrl('https://x.example/', { allowPrivate: false, lookup: failing });
    await run.then(
      () => expect.fail('expected a refusal'),
      (error: AppError) => expect(error.detail).to.match(/does not resolve/),
    );
  });

  it('treats a lookup that never answers as not resolving', async () => {
    const hanging: HostLookup = () => new Promise(() => undefined);
    const run = checkCallbackUrl('https://slow.example/', {
      allowPrivate: false,
      lookup: hanging,
      lookupTimeoutMs: 20,
    });
    await run.then(
      () => expect.fail('expected a refusal'),
      (error: AppError) => expect(error.detail).to.match(/does not resolve/),
    );
  });

  it('allows private addresses and skips DNS when allowPrivate is set', async () => {
    await checkCallbackUrl('http://127.0.0.1:4000/', { allowPrivate: true, lookup });
    await checkCallbackUrl('http://receiver.local/', { allowPrivate: true, lookup });
  });

  it('still checks the form of the URL when allowPrivate is set', async () => {
    expect((await refusal('ftp://127.0.0.1/', true)).detail).to.match(/http or https/);
    expect((await refusal('http://a:b@127.0.0.1/', true)).detail).to.match(/password/);
  });
});

describe('isPublicAddress', () => {
  it('accepts public IPv4 and global unicast IPv6', () => {
    for (const ip of ['93.184.215.14', '8.8.8.8', '2606:4700::1111', '[2a00:1450::1]']) {
      expect(isPublicAddress(ip), ip).to.equal(true);
    }
  });

  it('refuses loopback, private, link-local, CGNAT, multicast, unspecified and reserved', () => {
    const blocked = [
      '127.0.0.1',
      '10.255.0.1',
      '172.31.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.100.100.200',
      '0.0.0.0',
      '255.255.255.255',
      '239.1.1.1',
      '192.0.0.192',
      '198.18.0.1',
      '240.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fd00:ec2::254',
      'fc00::1',
      'ff02::1',
      '::ffff:10.0.0.1',
      '::ffff:169.254.169.254',
      '::127.0.0.1',
      '64:ff9b::a00:1',
      '2002:a00:1::1',
      '2001:db8::1',
    ];
    for (const ip of blocked) expect(isPublicAddress(ip), ip).to.equal(false);
  });

  it('judges an IPv4-mapped IPv6 address as the IPv4 it carries', () => {
    expect(isPublicAddress('::ffff:8.8.8.8')).to.equal(true);
    expect(isPublicAddress('::ffff:7f00:1')).to.equal(false);
  });

  it('refuses anything that is not an IP address', () => {
    for (const text of ['localhost', '', '1.2.3', '0x7f.0.0.1', 'fe80::1%eth0zz!']) {
      expect(isPublicAddress(text), text).to.equal(false);
    }
  });
});

describe('resolvePublicAddress', () => {
  it('returns the first address of a public host and refuses any private answer', async () => {
    expect(await resolvePublicAddress('hooks.example.com', lookup)).to.equal('93.184.215.14');
    await resolvePublicAddress('rebind.example.com', lookup).then(
      () => expect.fail('expected a refusal'),
      (error) => expect(error).to.be.instanceOf(PrivateAddressError),
    );
    await resolvePublicAddress('127.0.0.1', lookup).then(
      () => expect.fail('expected a refusal'),
      (error) => expect(error).to.be.instanceOf(PrivateAddressError),
    );
  });
});
