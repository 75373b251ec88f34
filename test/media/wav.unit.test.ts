import { expect } from 'chai';
import {
  durationMs,
  encodeWav,
  parseWav,
  resample,
  silence,
  TELEPHONY_RATE,
} from '../../src/media/index.js';

function tone(rate: number, ms: number, channels = 1): Buffer {
  const frames = Math.round((rate * ms) / 1000);
  const data = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i += 1) {
    for (let c = 0; c < channels; c += 1) {
      data.writeInt16LE(
        Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)),
        (i * channels + c) * 2,
      );
    }
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(0x7fffffff, 40);
  return Buffer.concat([header, data]);
}

describe('wav', () => {
  it('reads a streamed espeak-style WAV whose data size runs past the end', () => {
    const audio = parseWav(tone(22050, 500));
    expect(audio.sampleRate).to.equal(22050);
    expect(durationMs(audio)).to.equal(500);
  });

  it('mixes stereo to mono', () => {
    expect(parseWav(tone(8000, 100, 2)).samples.length).to.equal(800);
  });

  it('resamples 22,050 Hz to 8 kHz keeping the duration', () => {
    const out = resample(parseWav(tone(22050, 1000)), TELEPHONY_RATE);
    expect(out.sampleRate).to.equal(8000);
    expect(Math.abs(durationMs(out) - 1000)).to.be.lessThan(2);
  });

  it('writes a mono 16-bit 8 kHz WAV that reads back the same', () => {
    const wav = encodeWav(silence(250));
    expect(wav.readUInt16LE(22)).to.equal(1);
    expect(wav.readUInt32LE(24)).to.equal(8000);
    expect(wav.readUInt16LE(34)).to.equal(16);
    expect(durationMs(parseWav(wav))).to.equal(250);
  });

  it('refuses what is not 16-bit PCM WAV', () => {
    expect(() => parseWav(Buffer.from('hello world, not a wav'))).to.throw();
  });
});
