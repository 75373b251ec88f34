import { expect } from 'chai';
import sharp from 'sharp';
import { startChatKit, type ChatKit } from './chat-kit.js';

/** The problem+json body of a refusal. */
interface Problem {
  detail: string;
  errors: Array<{ path: string; message: string }>;
}

type Client = Awaited<ReturnType<ChatKit['as']>>;
interface FileView {
  id: string;
  status: string;
  upload_url: string;
  download_url: string | null;
  thumbnail_url: string | null;
  has_thumbnail: boolean;
}

describe('chat attachments (/v1/files)', () => {
  let kit: ChatKit;
  let alice: Client;
  let bob: Client;
  let mallory: Client;
  let conv: string;
  let png: Buffer;

  const declare = (who: Client, body: Record<string, unknown>) =>
    who<FileView>('POST', '/v1/files', { body });
  const upload = (file: FileView, bytes: Buffer, contentType: string) =>
    fetch(file.upload_url, {
      method: 'PUT',
      body: new Uint8Array(bytes),
      headers: { 'content-type': contentType },
    });

  before(async () => {
    kit = await startChatKit();
    [alice, bob, mallory] = await Promise.all(['alice', 'bob', 'mallory'].map((i) => kit.as(i)));
    conv = (
      await alice<{ id: string }>('POST', '/v1/conversations', {
        body: { type: 'group', members: ['bob'] },
      })
    ).body.id;
    png = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#3366ff' } })
      .png()
      .toBuffer();
  });
  after(async () => {
    await kit.app.stop();
  });

  it('checks an uploaded image, thumbnails it and serves it to members only', async () => {
    const file = (
      await declare(alice, { filename: 'pic.png', content_type: 'image/png', size: png.length })
    ).body;
    expect(file.status).to.equal('pending');
    expect((await upload(file, png, 'image/png')).status).to.equal(200);
    const sent = await alice('POST', `/v1/conversations/${conv}/messages`, {
      body: { body: 'look', attachments: [file.id] },
    });
    expect(sent.status).to.equal(201);
    const captionless = await alice<{ body: string; attachments: string[] }>(
      'PATCH',
      `/v1/conversations/${conv}/messages/${(sent.body as { id: string }).id}`,
      { body: { body: '  ' } },
    );
    expect(captionless.status, 'a message with an attachment may lose its text').to.equal(200);
    expect(captionless.body.attachments).to.deep.equal([file.id]);
    const seen = await bob<FileView>('GET', `/v1/files/${file.id}`);
    expect(seen.body).to.include({ status: 'ready', has_thumbnail: true });
    const bytes = Buffer.from(await (await fetch(seen.body.download_url!)).arrayBuffer());
    expect(bytes.equals(png)).to.equal(true);
    const thumb = await sharp(
      Buffer.from(await (await fetch(seen.body.thumbnail_url!)).arrayBuffer()),
    ).metadata();
    expect(Math.max(thumb.width!, thumb.height!)).to.be.at.most(320);
    expect((await mallory('GET', `/v1/files/${file.id}`)).status).to.equal(404);
  });

  it('serves the bytes it checked, even when the upload URL is used again after the check', async () => {
    const file = (
      await declare(alice, { filename: 'swap.png', content_type: 'image/png', size: png.length })
    ).body;
    expect((await upload(file, png, 'image/png')).status).to.equal(200);
    expect((await alice('POST', `/v1/files/${file.id}/complete`)).status).to.equal(200);
    // The same size and declared type, other bytes: what storage's signature allows.
    const swapped = Buffer.alloc(png.length, 0x20);
    swapped.write('<html><script>alert(1)</script>');
    await upload(file, swapped, 'image/png');
    const seen = await alice<FileView>('GET', `/v1/files/${file.id}`);
    const bytes = Buffer.from(await (await fetch(seen.body.download_url!)).arrayBuffer());
    expect(bytes.equals(png)).to.equal(true);
  });

  it('answers two /complete calls at once both with the settled file, not a 500', async () => {
    const file = (
      await declare(alice, { filename: 'twice.png', content_type: 'image/png', size: png.length })
    ).body;
    await upload(file, png, 'image/png');
    const answers = await Promise.all(
      [1, 2, 3].map(() => alice<FileView>('POST', `/v1/files/${file.id}/complete`)),
    );
    expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 200]);
    expect(answers.every((a) => a.body.status === 'ready')).to.equal(true);
  });

  it('refuses types outside the allow-list and sizes over the limit at declaration (422)', async () => {
    const exe = await declare(alice, {
      filename: 'x.exe',
      content_type: 'application/x-msdownload',
      size: 10,
    });
    expect(exe.status).to.equal(422);
    expect(exe.body).to.include({ code: 'unsupported_file_type' });
    const exeProblem = exe.body as unknown as Problem;
    expect(exeProblem.errors).to.deep.equal([
      { path: '/content_type', message: exeProblem.detail },
    ]);
    const big = await declare(alice, {
      filename: 'big.png',
      content_type: 'image/png',
      size: 26 * 1024 * 1024,
    });
    expect(big.status).to.equal(422);
    expect(big.body).to.include({ code: 'file_too_large' });
    const bigProblem = big.body as unknown as Problem;
    expect(bigProblem.errors).to.deep.equal([{ path: '/size', message: bigProblem.detail }]);
  });

  it('rejects an upload whose bytes are not the declared type, and it cannot be attached', async () => {
    const fake = Buffer.from('MZ this is not a png at all');
    const file = (
      await declare(alice, { filename: 'pic.png', content_type: 'image/png', size: fake.length })
    ).body;
    expect((await upload(file, fake, 'image/png')).status).to.equal(200);
    const checked = await alice<{ code: string }>('POST', `/v1/files/${file.id}/complete`);
    expect(checked.status).to.equal(422);
    const attach = await alice('POST', `/v1/conversations/${conv}/messages`, {
      body: { attachments: [file.id] },
    });
    expect(attach.status).to.equal(422);
  });

  it('rejects an image that carries its signature but does not decode (422, not 500)', async () => {
    // A JPEG cut off after its first marker, and a PNG whose header declares 100,000 pixels
    // square (a decompression bomb: over sharp's pixel limit). Both were a 500 on every try.
    const truncated = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(50, 65)]);
    const bomb = Buffer.from(png);
    bomb.writeUInt32BE(100_000, 16);
    bomb.writeUInt32BE(100_000, 20);
    for (const [bytes, type] of [
      [truncated, 'image/jpeg'],
      [bomb, 'image/png'],
    ] as const) {
      const file = (
        await declare(alice, { filename: 'broken', content_type: type, size: bytes.length })
      ).body;
      expect((await upload(file, bytes, type)).status).to.equal(200);
      const checked = await alice<{ code: string; detail: string }>(
        'POST',
        `/v1/files/${file.id}/complete`,
      );
      expect([checked.status, checked.body.code], type).to.deep.equal([422, 'file_rejected']);
      expect(checked.body.detail).to.include(`could not be read as ${type}`);
      const again = await alice<{ status: string }>('GET', `/v1/files/${file.id}`);
      expect(again.body.status).to.equal('rejected');
    }
  });

  it('lets storage refuse an upload of another size or type than declared', async () => {
    const file = (
      await declare(alice, { filename: 'pic.png', content_type: 'image/png', size: 10 })
    ).body;
    expect((await upload(file, png, 'image/png')).ok).to.equal(false);
    const other = (
      await declare(alice, { filename: 'pic.png', content_type: 'image/png', size: png.length })
    ).body;
    expect((await upload(other, png, 'image/gif')).ok).to.equal(false);
  });

  it('does not let another identity attach your file', async () => {
    const file = (
      await declare(alice, { filename: 'pic.png', content_type: 'image/png', size: png.length })
    ).body;
    await upload(file, png, 'image/png');
    const res = await bob('POST', `/v1/conversations/${conv}/messages`, {
      body: { attachments: [file.id] },
    });
    expect(res.status).to.equal(422);
  });
});
