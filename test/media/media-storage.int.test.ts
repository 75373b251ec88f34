import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createMediaStorage, type MediaConfig, type MediaStorage } from '../../src/media/index.js';
import {
  NotFoundError,
  UpstreamError,
  createManualClock,
  createSilentLogger,
} from '../../src/platform/index.js';

const logger = createSilentLogger();

function localConfig(dataDir: string): MediaConfig {
  return {
    endpoint: null,
    bucket: 'media-test',
    region: 'us-east-1',
    accessKeyId: null,
    secretAccessKey: null,
    dataDir,
  };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('createMediaStorage with the local S3 server', () => {
  let dataDir: string;
  let storage: MediaStorage;
  const clock = createManualClock(new Date());

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'trunkline-media-'));
    storage = createMediaStorage(localConfig(dataDir), { logger, clock });
    await storage.start();
  });

  after(async () => {
    await storage.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores, reads, describes and deletes an object', async () => {
    const { blobs } = storage;
    await blobs.put('prj_1/a/hello.txt', Buffer.from('hello media'), 'text/plain');

    expect((await blobs.get('prj_1/a/hello.txt')).toString()).to.equal('hello media');
    expect(await blobs.head('prj_1/a/hello.txt')).to.deep.equal({
      size: 11,
      contentType: 'text/plain',
    });

    await blobs.delete('prj_1/a/hello.txt');
    expect(await blobs.head('prj_1/a/hello.txt')).to.equal(null);
  });

  it('answers NotFoundError when getting a missing key, and null when heading it', async () => {
    const err = await rejectionOf(storage.blobs.get('prj_1/missing.bin'));
    expect(err).to.be.instanceOf(NotFoundError);
    expect(await storage.blobs.head('prj_1/missing.bin')).to.equal(null);
  });

  it('refuses a request without a signature', async () => {
    await storage.blobs.put('prj_1/private.txt', Buffer.from('secret'), 'text/plain');
    const signed = new URL(
      await storage.blobs.presignGet('prj_1/private.txt', { expiresInSec: 60 }),
    );
    const res = await fetch(`${signed.origin}${signed.pathname}`);
    expect(res.status).to.equal(403);
    await res.arrayBuffer();
  });

  describe('presignPut', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

    it('accepts an upload with the declared type and size and stores that type', async () => {
      const url = await storage.blobs.presignPut('prj_1/up/ok.png', {
        contentType: 'image/png',
        size: png.length,
        expiresInSec: 60,
      });
      expect(url).not.to.match(/x-amz-checksum/i);
      const res = await fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'image/png' },
        body: png,
      });
      expect(res.status).to.equal(200);
      await res.arrayBuffer();
      expect(await storage.blobs.head('prj_1/up/ok.png')).to.deep.equal({
        size: 4,
        contentType: 'image/png',
      });
    });

    it('refuses an upload with another content type', async () => {
      const url = await storage.blobs.presignPut('prj_1/up/type.png', {
        contentType: 'image/png',
        size: png.length,
        expiresInSec: 60,
      });
      const res = await fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'text/html' },
        body: png,
      });
      expect(res.status).to.equal(403);
      expect(await res.text()).to.contain('SignatureDoesNotMatch');
      expect(await storage.blobs.head('prj_1/up/type.png')).to.equal(null);
    });

    it('refuses an upload of another size', async () => {
      const url = await storage.blobs.presignPut('prj_1/up/size.png', {
        contentType: 'image/png',
        size: png.length,
        expiresInSec: 60,
      });
      const res = await fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'image/png' },
        body: Buffer.concat([png, png]),
      });
      expect(res.status).to.equal(403);
      await res.arrayBuffer();
      expect(await storage.blobs.head('prj_1/up/size.png')).to.equal(null);
    });

    it('refuses an upload once the URL has expired', async () => {
      const url = await storage.blobs.presignPut('prj_1/up/late.png', {
        contentType: 'image/png',
        size: png.length,
        expiresInSec: 60,
      });
      // The presigner signs with real time, so move the server's clock relative to it.
      clock.set(new Date(Date.now() + 61_000));
      try {
        const res = await fetch(url, {
          method: 'PUT',
          headers: { 'content-type': 'image/png' },
          body: png,
        });
        expect(res.status).to.equal(403);
        await res.arrayBuffer();
      } finally {
        clock.set(new Date());
      }
    });
  });

  describe('presignGet', () => {
    it('downloads the bytes under the requested filename', async () => {
      await storage.blobs.put('prj_1/rec/call.wav', Buffer.from('RIFF....'), 'audio/wav');
      const url = await storage.blobs.presignGet('prj_1/rec/call.wav', {
        expiresInSec: 60,
        filename: 'call recording.wav',
      });
      const res = await fetch(url);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('audio/wav');
      expect(res.headers.get('content-disposition')).to.equal(
        'attachment; filename="call recording.wav"',
      );
      expect(Buffer.from(await res.arrayBuffer()).toString()).to.equal('RIFF....');
    });

    it('honours a non-ASCII filename through filename*', async () => {
      await storage.blobs.put('prj_1/docs/r.pdf', Buffer.from('%PDF'), 'application/pdf');
      const url = await storage.blobs.presignGet('prj_1/docs/r.pdf', {
        expiresInSec: 60,
        filename: "reçu d'août.pdf",
      });
      const res = await fetch(url);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-disposition')).to.equal(
        `attachment; filename="re_u d'ao_t.pdf"; filename*=UTF-8''re%C3%A7u%20d%27ao%C3%BBt.pdf`,
      );
      await res.arrayBuffer();
    });

    it('answers 404 for a missing object', async () => {
      const res = await fetch(await storage.blobs.presignGet('prj_1/nope', { expiresInSec: 60 }));
      expect(res.status).to.equal(404);
      await res.arrayBuffer();
    });
  });
});

describe('createMediaStorage lifecycle', () => {
  let dataDir: string;
  const opened: MediaStorage[] = [];

  function open(): MediaStorage {
    const storage = createMediaStorage(localConfig(dataDir), { logger });
    opened.push(storage);
    return storage;
  }

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'trunkline-media-'));
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((storage) => storage.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is ready while running and not ready after stop', async () => {
    const storage = open();
    expect(await storage.readiness()).to.deep.equal({ storage: false });
    await storage.start();
    expect(await storage.readiness()).to.deep.equal({ storage: true });
    await storage.stop();
    expect(await storage.readiness()).to.deep.equal({ storage: false });
  });

  it('starts again over an existing bucket and keeps its objects', async () => {
    const first = open();
    await first.start();
    await first.start();
    await first.blobs.put('kept.txt', Buffer.from('still here'), 'text/plain');
    await first.stop();

    const second = open();
    await second.start();
    expect((await second.blobs.get('kept.txt')).toString()).to.equal('still here');
  });

  it('answers storage_unavailable while not started', async () => {
    const err = await rejectionOf(open().blobs.get('any'));
    expect(err).to.be.instanceOf(UpstreamError);
    expect(err).to.include({ code: 'storage_unavailable', retryable: true });
  });
});
