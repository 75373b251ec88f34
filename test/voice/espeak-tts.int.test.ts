import { expect } from 'chai';
import { createEspeakTts, detectEspeak } from '../../src/voice/tts/index.js';

describe('espeak-ng text to speech', () => {
  it('renders speech as 8 kHz mono 16-bit PCM WAV for Asterisk', async function () {
    // .ci/run installs espeak-ng; on a machine without it, speech falls back to silence
    // (covered by the voice integration tests), so there is nothing to check here.
    if (!(await detectEspeak())) this.skip();
    const wav = await createEspeakTts().synthesize({ text: 'Thanks for calling Trunkline.' });
    expect(wav.subarray(0, 4).toString('ascii')).to.equal('RIFF');
    expect(wav.subarray(8, 12).toString('ascii')).to.equal('WAVE');
    expect(wav.readUInt16LE(20), 'PCM').to.equal(1);
    expect(wav.readUInt16LE(22), 'mono').to.equal(1);
    expect(wav.readUInt32LE(24), 'sample rate').to.equal(8000);
    expect(wav.readUInt16LE(34), 'bits').to.equal(16);
    expect(wav.length, 'about a second or more of audio').to.be.greaterThan(8000 * 2 * 0.8);
  });
});
