import { encodeWav } from '../../../media/index.js';

const SAMPLE_RATE = 8000;
const MAX_DURATION_MS = 5 * 60 * 1000;

/**
 * A mono 16-bit PCM WAV at 8 kHz (Asterisk's `wav` format) holding a quiet 440 Hz tone of the
 * given length, so a sandbox recording is a real, playable file of the recorded duration.
 * Capped at five minutes to keep the simulator's memory small.
 */
export function buildToneWav(durationMs: number): Buffer {
  const ms = Math.min(Math.max(Math.round(durationMs), 0), MAX_DURATION_MS);
  const samples = new Int16Array(Math.round((ms * SAMPLE_RATE) / 1000));
  for (let i = 0; i < samples.length; i += 1) {
    samples[i] = Math.round(2000 * Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE));
  }
  return encodeWav({ sampleRate: SAMPLE_RATE, samples });
}
