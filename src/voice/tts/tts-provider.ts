/** What a `say` asks for: the rendered text, and the voice and language when the step gives them. */
export interface SpeechRequest {
  text: string;
  voice?: string;
  language?: string;
}

/**
 * A text-to-speech engine (Fonoster's "one file per vendor" adapter). `synthesize` answers a
 * mono 16-bit PCM WAV at 8 kHz, ready for Asterisk; it throws when the engine fails.
 * `name` goes into the cache key, so switching engines never serves another engine's audio.
 */
export interface TtsProvider {
  readonly name: string;
  synthesize(request: SpeechRequest): Promise<Buffer>;
}
