import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../platform/index.js';
import type { SpeechRequest, TtsProvider } from './tts-provider.js';

/** A cached file name: 64 hex digits of SHA-256 and `.wav`. */
export const TTS_FILE_PATTERN = /^[0-9a-f]{64}\.wav$/;

export interface TtsCache {
  /**
   * The public URL of the speech for `request`, rendered first when it is not cached. Two
   * calls for the same text share one rendering.
   */
  urlFor(request: SpeechRequest): Promise<string>;
  /** The cached file `name` (`<hash>.wav`), or null when there is none. */
  read(name: string): Promise<Buffer | null>;
}

/**
 * Speech rendered once per (engine, voice, language, text) and kept under
 * `<dataDir>/tts/<sha256>.wav`, served at `<publicUrl>/media/tts/<sha256>.wav` for Asterisk's
 * HTTP media cache. Files are written to a temporary name and renamed, so a reader never sees
 * half a file.
 */
export function createTtsCache(deps: {
  dir: string;
  publicUrl: string;
  provider: () => TtsProvider;
  logger: Logger;
}): TtsCache {
  const inFlight = new Map<string, Promise<void>>();
  const base = deps.publicUrl.replace(/\/+$/, '');

  function hashOf(provider: string, request: SpeechRequest): string {
    const key = JSON.stringify([
      provider,
      request.voice ?? '',
      request.language ?? '',
      request.text,
    ]);
    return createHash('sha256').update(key).digest('hex');
  }

  async function exists(path: string): Promise<boolean> {
    return stat(path).then(
      () => true,
      () => false,
    );
  }

  async function render(provider: TtsProvider, request: SpeechRequest, hash: string) {
    const path = join(deps.dir, `${hash}.wav`);
    if (await exists(path)) return;
    await mkdir(deps.dir, { recursive: true });
    const started = Date.now();
    const audio = await provider.synthesize(request);
    const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temporary, audio);
    await rename(temporary, path);
    deps.logger.debug(
      { hash, engine: provider.name, ms: Date.now() - started, bytes: audio.length },
      'speech rendered',
    );
  }

  return {
    async urlFor(request) {
      const provider = deps.provider();
      const hash = hashOf(provider.name, request);
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
  };
}
