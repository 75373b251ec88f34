/**
 * Just enough WAV for text to speech: read 16-bit PCM (any rate, mono or interleaved
 * channels), mix to mono, resample by linear interpolation, and write the mono 16-bit WAV
 * Asterisk plays without transcoding surprises (8 kHz, its `wav` format). Pure functions.
 */

/** The sample rate every TTS file is written at (narrowband telephony). */
export const TELEPHONY_RATE = 8000;

export interface PcmAudio {
  sampleRate: number;
  /** Mono samples, -32768..32767. */
  samples: Int16Array;
}

/**
 * Reads a PCM WAV: walks the RIFF chunks for `fmt ` and `data`. A data size of 0 or past the
 * end (what a program streaming to a pipe writes, espeak-ng among them) means "to the end".
 * Throws on anything that is not 16-bit PCM.
 */
export function parseWav(buffer: Buffer): PcmAudio {
  if (buffer.length < 12 || buffer.toString('ascii', 0, 4) !== 'RIFF') {
    throw new Error('not a RIFF file');
  }
  if (buffer.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAVE file');
  let offset = 12;
  let format: { channels: number; sampleRate: number; bits: number; tag: number } | null = null;
  while (offset + 8 <= buffer.length) {
    const id = buffer.toString('ascii', offset, offset + 4);
    const size = buffer.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = {
        tag: buffer.readUInt16LE(body),
        channels: buffer.readUInt16LE(body + 2),
        sampleRate: buffer.readUInt32LE(body + 4),
        bits: buffer.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!format || format.tag !== 1 || format.bits !== 16 || format.channels < 1) {
        throw new Error('only 16-bit PCM WAV is supported');
      }
      const end = size === 0 || body + size > buffer.length ? buffer.length : body + size;
      return {
        sampleRate: format.sampleRate,
        samples: mixToMono(buffer, body, end, format.channels),
      };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('no data chunk');
}

function mixToMono(buffer: Buffer, start: number, end: number, channels: number): Int16Array {
  const frames = Math.floor((end - start) / (2 * channels));
  const out = new Int16Array(frames);
  for (let frame = 0; frame < frames; frame += 1) {
    let sum = 0;
    for (let c = 0; c < channels; c += 1)
      sum += buffer.readInt16LE(start + (frame * channels + c) * 2);
    out[frame] = Math.round(sum / channels);
  }
  return out;
}

/**
 * Linear-interpolation resampling. Going down (22,050 → 8,000 Hz) each output sample first
 * averages the input samples it covers, a cheap low-pass that keeps speech free of the worst
 * aliasing.
 */
export function resample(audio: PcmAudio, targetRate: number): PcmAudio {
  const { samples, sampleRate } = audio;
  if (sampleRate === targetRate || samples.length === 0) return { sampleRate: targetRate, samples };
  const ratio = sampleRate / targetRate;
  const length = Math.max(1, Math.floor(samples.length / ratio));
  const out = new Int16Array(length);
  const window = Math.max(1, Math.floor(ratio));
  for (let i = 0; i < length; i += 1) {
    const position = i * ratio;
    const index = Math.floor(position);
    let value: number;
    if (window > 1) {
      let sum = 0;
      let count = 0;
      for (let k = index; k < Math.min(samples.length, index + window); k += 1, count += 1) {
        sum += samples[k];
      }
      value = sum / Math.max(1, count);
    } else {
      const next = samples[Math.min(index + 1, samples.length - 1)];
      value = samples[index] + (next - samples[index]) * (position - index);
    }
    out[i] = Math.max(-32768, Math.min(32767, Math.round(value)));
  }
  return { sampleRate: targetRate, samples: out };
}

/** A mono 16-bit PCM WAV file. */
export function encodeWav(audio: PcmAudio): Buffer {
  const dataBytes = audio.samples.length * 2;
  const wav = Buffer.alloc(44 + dataBytes);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + dataBytes, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(audio.sampleRate, 24);
  wav.writeUInt32LE(audio.sampleRate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < audio.samples.length; i += 1) wav.writeInt16LE(audio.samples[i], 44 + i * 2);
  return wav;
}

/** Silence of `ms` milliseconds at the telephony rate. */
export function silence(ms: number): PcmAudio {
  const length = Math.max(0, Math.round((ms * TELEPHONY_RATE) / 1000));
  return { sampleRate: TELEPHONY_RATE, samples: new Int16Array(length) };
}

/** Length of the audio in milliseconds. */
export function durationMs(audio: PcmAudio): number {
  return Math.round((audio.samples.length * 1000) / audio.sampleRate);
}
