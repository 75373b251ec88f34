const SAMPLE_RATE = 8000;
const MAX_DURATION_MS = 5 * 60 * 1000;

/**
 * A mono 16-bit PCM WAV at 8 kHz (Asterisk's `wav` format) holding a quiet 440 Hz tone of the
 * given length, so a sandbox recording is a real, playable file of the recorded duration.
 * Capped at five minutes to keep the simulator's memory small.
 */
export function buildToneWav(durationMs: number): Buffer {
  const ms = Math.min(Math.max(Math.round(durationMs), 0), MAX_DURATION_MS);
  const samples = Math.round((ms * SAMPLE_RATE) / 1000);
  const dataBytes = samples * 2;
  const wav = Buffer.alloc(44 + dataBytes);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + dataBytes, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(SAMPLE_RATE, 24);
  wav.writeUInt32LE(SAMPLE_RATE * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples; i += 1) {
    const value = Math.round(2000 * Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE));
    wav.writeInt16LE(value, 44 + i * 2);
  }
  return wav;
}
