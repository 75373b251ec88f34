import { Router } from 'express';
import { NotFoundError } from '../../platform/index.js';
import type { TtsCache } from './tts-cache.js';

/**
 * `GET /media/tts/<sha256>.wav`: rendered speech for Asterisk's HTTP media cache. No API key
 * (the PBX fetches it); the name is the SHA-256 of the text, so it is content-addressed: the
 * ETag is the hash and the file may be cached for a day and never changes.
 */
export function createTtsRouter(deps: { cache: TtsCache }) {
  const router = Router();
  router.get('/media/tts/:file', async (req, res) => {
    const name = req.params.file as string;
    const audio = await deps.cache.read(name);
    if (!audio) throw new NotFoundError('Audio');
    const etag = `"${name.slice(0, -4)}"`;
    res.set({
      'Content-Type': 'audio/wav',
      ETag: etag,
      'Cache-Control': 'public, max-age=86400, immutable',
    });
    if (req.get('If-None-Match') === etag) {
      res.status(304).end();
      return;
    }
    res.send(audio);
  });
  return router;
}
