export { createTtsCache, TTS_FILE_PATTERN } from './tts-cache.js';
export type { TtsCache } from './tts-cache.js';
export type { TtsProvider, SpeechRequest } from './tts-provider.js';
export { createEspeakTts, detectEspeak, espeakVoiceOf } from './espeak-tts.js';
export { createSilentTts } from './silent-tts.js';
export { createTtsRouter } from './tts.routes.js';
