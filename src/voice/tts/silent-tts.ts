import type { TtsProvider } from './tts-provider.js';
import { encodeWav, silence } from '../../media/index.js';

/** Roughly how long speech takes per character, and the longest stand-in rendered. */
const MS_PER_CHAR = 60;
const MAX_MS = 15_000;

/**
 * The stand-in when no speech engine is installed: silence lasting about as long as the text
 * would take to speak, so flows keep their timing (the sandbox PBX and tests need only a URL).
 */
export function createSilentTts(): TtsProvider {
  return {
    name: 'silent',
    async synthesize({ text }) {
      return encodeWav(silence(Math.min(MAX_MS, Math.max(200, text.length * MS_PER_CHAR))));
    },
  };
}
