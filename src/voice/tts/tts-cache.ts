import { createHmac, randomBytes } from 'node:crypto';
import {
  mkdir,
  link,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../platform/index.js';
import type { SpeechRequest, TtsProvider } from './tts-provider.js';

/** How long a file seen on disk is trusted to be there without looking again. */
const SEEN_FOR_MS = 60_000;
/** How many such files are remembered (the oldest sighting is forgotten first). */
const SEEN_MAX = 10_000;

/** The cache's secret, beside its files: names are keyed hashes of the text. */
const KEY_FILE = '.key';

/**
 * The cache's secret (32 random bytes), made on first use (mode 0600; a second process making
 * it at the same moment reads the first one's). Without it a file's name was the SHA-256 of
 * its text, and `/media/tts` answers anyone: a spoken one-time code (`Your code is 4821`) was
 * found by trying the 10,000 names.
 */
async function cacheKey(dir: string): Promise<Buffer> {
  const path = join(dir, KEY_FILE);
  const existing = await readFile(path).catch(() => null);
  if (existing?.length === 32) return existing;
  await mkdir(dir, { recursive: true });
  const made = randomBytes(32);
  const temporary = `${path}.${process.pid}.${made.toString('hex', 0, 4)}.tmp`;
  await writeFile(temporary, made, { mode: 0o600 });
  // link() fails when the key exists: then the other process's key is the one.
  const won = await link(temporary, path).then(
    () => true,
    () => false,
  );
  await unlink(temporary).catch(() => undefined);
  if (!won) return readFile(path);
  // Files of a cache without a key (before 2026-12-07) have guessable names, and the route
  // still serves them: a cache is only a cache, so they go.
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (TTS_FILE_PATTERN.test(name)) await unlink(join(dir, name)).catch(() => undefined);
  }
  return made;
}

/** A cached file name: 64 hex digits of HMAC-SHA-256 and `.wav`. */
export const TTS_FILE_PATTERN = /^[0-9a-f]{64}\.wav$/;

export interface TtsCache {
  /**
   * The public URL of the speech for `request`, rendered first when it is not cached. Two
   * calls for the same text share one rendering.
   */
  urlFor(request: SpeechRequest): Promise<string>;
  /** The cached file `name` (`<hash>.wav`), or null when there is none. */
  read(name: string): Promise<Buffer | null>;
  /**
   * Deletes the least recently used files until the cache holds at most `maxBytes`, sparing
   * those used within `minAgeMs` (a call may be about to play them); the bytes deleted.
   */
  prune(maxBytes: number, minAgeMs: number): Promise<number>;
}

/**
 * Speech rendered once per (engine, voice, language, text) and kept under
 * `<dataDir>/tts/<hmac>.wav` (keyed with the cache's secret, `<dataDir>/tts/.key`), served at
 * `<publicUrl>/media/tts/<hmac>.wav` for Asterisk's HTTP media cache. Files are written to a temporary name and renamed, so a reader never sees
 * half a file. A file seen on disk is not looked for again for a minute (every prompt of every
 * call asks): one deleted meanwhile is rendered again at most a minute later. Text made per
 * call (`{{call.id}}` in a prompt) makes a file per call, so the orchestrator prunes the cache
 * to `TTS_CACHE_MAX_MB`, least recently used first.
 */
export function createTtsCache(deps: {
  dir: string;
  publicUrl: string;
  provider: () => TtsProvider;
  logger: Logger;
  /** Milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
}): TtsCache {
  const now = deps.now ?? Date.now;
  const inFlight = new Map<string, Promise<void>>();
  /** When each file was last seen on disk, oldest first (Map order). */
  const seen = new Map<string, number>();
  const base = deps.publicUrl.replace(/\/+$/, '');

  function sawFile(hash: string): void {
    seen.delete(hash);
    seen.set(hash, now());
    if (seen.size > SEEN_MAX) seen.delete(seen.keys().next().value!);
  }

  function seenLately(hash: string): boolean {
    const at = seen.get(hash);
    return at !== undefined && now() - at < SEEN_FOR_MS;
  }

  let key: Promise<Buffer> | null = null;
  async function hashOf(provider: string, request: SpeechRequest): Promise<string> {
    key ??= cacheKey(deps.dir).catch((err: unknown) => {
      key = null;
      throw err;
    });
    const text = JSON.stringify([
      provider,
      request.voice ?? '',
      request.language ?? '',
      request.text,
    ]);
    return createHmac('sha256', await key)
      .update(text)
      .digest('hex');
  }

  /**
   * Marks the file as used now (its modification time is its last use, for `prune`); false
   * when there is no such file. One system call answers both.
   */
  async function touched(path: string): Promise<boolean> {
    const at = new Date(now());
    return utimes(path, at, at).then(
      () => true,
      () => false,
    );
  }

  async function render(provider: TtsProvider, request: SpeechRequest, hash: string) {
    const path = join(deps.dir, `${hash}.wav`);
    // Asked at most once a minute per file (see `seenLately`).
    if (await touched(path)) {
      sawFile(hash);
      return;
    }
    await mkdir(deps.dir, { recursive: true });
    const started = Date.now();
    const audio = await provider.synthesize(request);
    const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temporary, audio);
    await rename(temporary, path);
    sawFile(hash);
    deps.logger.debug(
      { hash, engine: provider.name, ms: Date.now() - started, bytes: audio.length },
      'speech rendered',
    );
  }

  return {
    async urlFor(request) {
      const provider = deps.provider();
      const hash = await hashOf(provider.name, request);
      if (seenLately(hash)) return `${base}/media/tts/${hash}.wav`;
      let pending = inFlight.get(hash);
      if (!pending) {
        pending = render(provider, request, hash).finally(() => inFlight.delete(hash));
        inFlight.set(hash, pending);
      }
      await pending;
      return `${base}/media/tts/${hash}.wav`;
    },
    async read(name) {
      if (!TTS_FILE_PATTERN.test(name)) return null;
      return readFile(join(deps.dir, name)).catch(() => null);
    },
    async prune(maxBytes, minAgeMs) {
      const names = (await readdir(deps.dir).catch(() => [] as string[])).filter((n) =>
        TTS_FILE_PATTERN.test(n),
      );
      const files = (
        await Promise.all(
          names.map(async (name) => {
            const info = await stat(join(deps.dir, name)).catch(() => null);
            return info ? { name, bytes: info.size, usedAt: info.mtimeMs } : null;
          }),
        )
      ).filter((f) => f !== null);
      let total = files.reduce((sum, f) => sum + f.bytes, 0);
      let deleted = 0;
      for (const file of files.sort((a, b) => a.usedAt - b.usedAt)) {
        if (total <= maxBytes || now() - file.usedAt < minAgeMs) break;
        await unlink(join(deps.dir, file.name)).catch(() => undefined);
        seen.delete(file.name.slice(0, -'.wav'.length));
        total -= file.bytes;
        deleted += file.bytes;
      }
      if (deleted > 0) deps.logger.info({ bytes: deleted, kept: total }, 'speech cache pruned');
      return deleted;
    },
  };
}
