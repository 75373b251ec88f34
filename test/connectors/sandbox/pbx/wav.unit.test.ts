import { expect } from 'chai';
import { buildToneWav } from '../../../../src/connectors/sandbox/pbx/wav.js';

describe('buildToneWav', () => {
  it('makes an 8 kHz mono 16-bit PCM WAV of the requested length', () => {
    const wav = buildToneWav(250);
    expect(wav.subarray(0, 4).toString('ascii')).to.equal('RIFF');
    expect(wav.readUInt32LE(4)).to.equal(wav.length - 8);
    expect(wav.subarray(8, 16).toString('ascii')).to.equal('WAVEfmt ');
    expect(wav.readUInt16LE(20)).to.equal(1);
    expect(wav.readUInt16LE(22)).to.equal(1);
    expect(wav.readUInt32LE(24)).to.equal(8000);
    expect(wav.readUInt16LE(34)).to.equal(16);
    expect(wav.readUInt32LE(40)).to.equal(250 * 8 * 2);
    expect(wav.length).to.equal(44 + 4000);
  });

  it('is a valid empty file for zero length', () => {
    expect(buildToneWav(0).length).to.equal(44);
  });
});
