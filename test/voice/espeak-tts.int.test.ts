import { expect } from 'chai';
import { createEspeakTts, detectEspeak, espeakVoiceOf } from '../../src/voice/tts/index.js';

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

  it("reads Twilio's voice names, and an unknown voice or language in English", async function () {
    if (!(await detectEspeak())) this.skip();
    expect(espeakVoiceOf('alice')).to.equal('en+f3');
    expect(espeakVoiceOf('man')).to.equal('en+m3');
    // espeak-ng has no voice 'xx': the step failed and the call hung up with media_error.
    for (const step of [{ voice: 'alice' }, { voice: 'Polly.Joanna' }, { language: 'xx' }]) {
      const wav = await createEspeakTts().synthesize({ text: 'Hello there.', ...step });
      expect(wav.length, JSON.stringify(step)).to.be.greaterThan(8000);
    }
  });

  it('cuts speech longer than its cap instead of failing', async function () {
    if (!(await detectEspeak())) this.skip();
    // 100 KB of espeak's 22,050 Hz output is about 2.3 s, so this text goes far beyond it.
    const tts = createEspeakTts('espeak-ng', { maxOutputBytes: 100_000 });
    const wav = await tts.synthesize({ text: 'trademark '.repeat(200) });
    const seconds = (wav.length - 44) / (8000 * 2);
    expect(seconds).to.be.within(2, 2.5);
  });
});
