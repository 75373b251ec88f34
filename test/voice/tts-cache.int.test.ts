import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSilentLogger } from '../../src/platform/index.js';
import { createTtsCache, type TtsProvider } from '../../src/voice/tts/index.js';

describe('the speech cache', () => {
  let dir: string;
  let now: number;
  let rendered: string[];
  const provider: TtsProvider = {
    name: 'counting',
    synthesize: async ({ text }) => {
      rendered.push(text);
      return Buffer.from(`RIFF${text}`);
    },
  };
  const cache = () =>
    createTtsCache({
      dir,
      publicUrl: 'http://media.test/',
      provider: () => provider,
      logger: createSilentLogger(),
      now: () => now,
    });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tts-cache-'));
    now = 1_000_000;
    rendered = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('renders a text once and serves the file under its hash', async () => {
    const tts = cache();
    const first = await tts.urlFor({ text: 'Hello.' });
    const again = await tts.urlFor({ text: 'Hello.' });
    expect(again).to.equal(first);
    expect(first).to.match(/^http:\/\/media\.test\/media\/tts\/[0-9a-f]{64}\.wav$/);
    expect(rendered).to.deep.equal(['Hello.']);
    const name = first.split('/').at(-1)!;
    expect((await tts.read(name))?.toString()).to.equal('RIFFHello.');
  });

  it('names a file by a hash keyed with its own secret, so a spoken code cannot be guessed from its name', async () => {
    const text = 'Your verification code is 4821.';
    const name = (await cache().urlFor({ text })).split('/').at(-1)!;
    const plain = createHash('sha256')
      .update(JSON.stringify(['counting', '', '', text]))
      .digest('hex');
    expect(name).to.not.equal(`${plain}.wav`);
    expect(statSync(join(dir, '.key')).mode & 0o777).to.equal(0o600);
    const elsewhere = dir;
    dir = mkdtempSync(join(tmpdir(), 'tts-cache-'));
    try {
      const other = (await cache().urlFor({ text })).split('/').at(-1)!;
      expect(other, 'another installation, another key').to.not.equal(name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      dir = elsewhere;
    }
  });

  it('deletes the files of a cache made before it had a key (their names are guessable)', async () => {
    const old = `${createHash('sha256').update('old').digest('hex')}.wav`;
    writeFileSync(join(dir, old), 'RIFFold');
    await cache().urlFor({ text: 'New.' });
    expect(readdirSync(dir)).not.to.include(old);
  });

  it('uses a file another process rendered without rendering it again', async () => {
    await cache().urlFor({ text: 'Shared.' });
    await cache().urlFor({ text: 'Shared.' });
    expect(rendered).to.deep.equal(['Shared.']);
  });

  it('renders a deleted file again once a minute has passed since it was seen', async () => {
    const tts = cache();
    await tts.urlFor({ text: 'Gone.' });
    for (const file of readdirSync(dir)) rmSync(join(dir, file));
    now += 30_000;
    await tts.urlFor({ text: 'Gone.' });
    expect(rendered, 'trusted within the minute').to.deep.equal(['Gone.']);
    now += 31_000;
    const url = await tts.urlFor({ text: 'Gone.' });
    expect(rendered).to.deep.equal(['Gone.', 'Gone.']);
    expect(await tts.read(url.split('/').at(-1)!)).to.not.equal(null);
  });

  describe('pruning to its budget', () => {
    const HOUR = 3_600_000;
    beforeEach(() => {
      now = Date.now(); // file times are real ones
    });
    /** The speech files in the cache (not its key). */
    const wavs = () => readdirSync(dir).filter((name) => name.endsWith('.wav'));
    /** Renders `text` and dates its file's last use `ago` ms before the clock. */
    async function used(tts: ReturnType<typeof cache>, text: string, ago: number) {
      const name = (await tts.urlFor({ text })).split('/').at(-1)!;
      const at = (now - ago) / 1000;
      utimesSync(join(dir, name), at, at);
      return name;
    }

    it('deletes the least recently used files until it fits, sparing recent ones', async () => {
      // One file per call (a prompt with {{call.id}}) filled the disk: nothing deleted them.
      const tts = cache();
      const oldest = await used(tts, 'a'.repeat(96), 3 * HOUR);
      const older = await used(tts, 'b'.repeat(96), 2 * HOUR);
      const recent = await used(tts, 'c'.repeat(96), 60_000);
      expect(await tts.prune(150, 10 * 60_000)).to.equal(200);
      expect(wavs().sort()).to.deep.equal([recent]);
      expect([oldest, older].every((name) => !wavs().includes(name))).to.equal(true);
      expect(await tts.prune(0, 10 * 60_000), 'a file used lately stays').to.equal(0);
    });

    it('counts a file as used when a call asks for it again', async () => {
      const first = cache();
      const asked = await used(first, 'd'.repeat(96), 3 * HOUR);
      const idle = await used(first, 'e'.repeat(96), 2 * HOUR);
      const later = cache();
      await later.urlFor({ text: 'd'.repeat(96) });
      await later.prune(150, 10 * 60_000);
      expect(wavs()).to.deep.equal([asked]);
      expect(wavs()).not.to.include(idle);
    });
  });
});
