import { expect } from 'chai';
import {
  analyzeText,
  decodeShortMessage,
  encodeMessage,
  parseUdh,
  type EncodedSegment,
} from '../../../src/messaging/encoding/index.js';
import { isAppError } from '../../../src/platform/index.js';

/** Payloads of the parts with their UDH removed. */
function payloadsOf(segments: EncodedSegment[]): Buffer[] {
  return segments.map((s) =>
    s.esmClass & 0x40 ? parseUdh(s.shortMessage).payload : s.shortMessage,
  );
}

/** Each part decoded on its own, as a handset without reassembly would show it. */
function partTexts(segments: EncodedSegment[]): string[] {
  return payloadsOf(segments).map((p, i) => decodeShortMessage(segments[i].dataCoding, p));
}

function expectConsistent(body: string): EncodedSegment[] {
  const { encoding, segments } = encodeMessage(body, 7);
  const analysis = analyzeText(body);
  expect(analysis.encoding).to.equal(encoding);
  expect(analysis.segments).to.equal(segments.length);
  expect(partTexts(segments).join('')).to.equal(body);
  return segments;
}

describe('analyzeText and encodeMessage', () => {
  describe('an empty body', () => {
    it('is one empty GSM-7 segment without UDH', () => {
      expect(analyzeText('')).to.deep.equal({
        encoding: 'GSM-7',
        segments: 1,
        units: 0,
        characters: 0,
      });
      const { segments } = encodeMessage('', 1);
      expect(segments).to.have.length(1);
      expect(segments[0]).to.deep.equal({
        dataCoding: 0,
        esmClass: 0,
        shortMessage: Buffer.alloc(0),
      });
    });
  });

  describe('GSM-7 single part', () => {
    it('sends 160 septets as one part with no UDH', () => {
      const body = 'a'.repeat(160);
      const segments = expectConsistent(body);
      expect(segments).to.have.length(1);
      expect(segments[0].esmClass).to.equal(0);
      expect(segments[0].dataCoding).to.equal(0);
      expect(segments[0].shortMessage).to.have.length(160);
    });

    it('splits 161 septets into two parts of 153 and 8', () => {
      const segments = expectConsistent('a'.repeat(161));
      expect(payloadsOf(segments).map((p) => p.length)).to.deep.equal([153, 8]);
    });

    it('counts € as 2 septets, so 80 of them fill one part and 81 need two', () => {
      expect(analyzeText('€'.repeat(80))).to.deep.equal({
        encoding: 'GSM-7',
        segments: 1,
        units: 160,
        characters: 80,
      });
      expect(analyzeText('€'.repeat(81)).segments).to.equal(2);
      expectConsistent('€'.repeat(81));
    });

    it('keeps a 160-septet body that ends in an escape pair in one part', () => {
      const segments = expectConsistent(`${'a'.repeat(158)}{`);
      expect(segments).to.have.length(1);
    });

    it('counts LF and CR as one septet each', () => {
      expect(analyzeText('a\r\nb')).to.deep.include({ encoding: 'GSM-7', units: 4 });
    });
  });

  describe('GSM-7 multi-part boundaries', () => {
    for (const n of [2, 3, 4, 10]) {
      it(`fits exactly ${n}×153 septets in ${n} parts and one more in ${n + 1}`, () => {
        expect(analyzeText('x'.repeat(153 * n)).segments).to.equal(n);
        expect(analyzeText('x'.repeat(153 * n + 1)).segments).to.equal(n + 1);
        expectConsistent('x'.repeat(153 * n));
        expectConsistent('x'.repeat(153 * n + 1));
      });
    }

    it('moves an escape pair that would straddle septet 153 to the next part', () => {
      const body = `${'a'.repeat(152)}€${'b'.repeat(10)}`;
      const segments = expectConsistent(body);
      const payloads = payloadsOf(segments);
      expect(payloads.map((p) => p.length)).to.deep.equal([152, 12]);
      expect(payloads[0].at(-1)).to.not.equal(0x1b);
      expect([...payloads[1].subarray(0, 2)]).to.deep.equal([0x1b, 0x65]);
      expect(partTexts(segments)).to.deep.equal(['a'.repeat(152), `€${'b'.repeat(10)}`]);
    });

    it('keeps an escape pair that ends exactly at septet 153 in the first part', () => {
      const body = `${'a'.repeat(151)}€${'b'.repeat(10)}`;
      expect(payloadsOf(expectConsistent(body)).map((p) => p.length)).to.deep.equal([153, 10]);
    });

    it('can need one more part because of a moved escape pair', () => {
      // 152 + 2 + 152 = 306 septets = 2×153, but the € cannot straddle, so 3 parts.
      const body = `${'a'.repeat(152)}€${'b'.repeat(152)}`;
      expect(analyzeText(body)).to.deep.include({ units: 306, segments: 3 });
      expect(payloadsOf(expectConsistent(body)).map((p) => p.length)).to.deep.equal([152, 153, 1]);
    });
  });

  describe('UCS-2', () => {
    it('switches the whole message to UCS-2 when one character is outside GSM-7', () => {
      const body = `${'a'.repeat(100)}ж`;
      const { encoding, segments } = encodeMessage(body, 1);
      expect(encoding).to.equal('UCS-2');
      expect(segments.every((s) => s.dataCoding === 8)).to.equal(true);
      expect(analyzeText(body)).to.deep.equal({
        encoding: 'UCS-2',
        segments: 2,
        units: 101,
        characters: 101,
      });
    });

    it('sends 70 code units as one part and 71 as two of 67 and 4', () => {
      expect(payloadsOf(expectConsistent('ж'.repeat(70))).map((p) => p.length)).to.deep.equal([
        140,
      ]);
      expect(payloadsOf(expectConsistent('ж'.repeat(71))).map((p) => p.length)).to.deep.equal([
        134, 8,
      ]);
    });

    it('fits exactly 67×n code units in n parts', () => {
      for (const n of [2, 3, 5]) {
        expect(analyzeText('ж'.repeat(67 * n)).segments).to.equal(n);
        expect(analyzeText('ж'.repeat(67 * n + 1)).segments).to.equal(n + 1);
      }
    });

    it('writes big-endian code units', () => {
      const { segments } = encodeMessage('Жa', 0);
      expect([...segments[0].shortMessage]).to.deep.equal([0x04, 0x16, 0x00, 0x61]);
    });

    it('counts an emoji as 2 units and 1 character', () => {
      expect(analyzeText('😀')).to.deep.equal({
        encoding: 'UCS-2',
        segments: 1,
        units: 2,
        characters: 1,
      });
      expect(analyzeText('😀'.repeat(35)).segments).to.equal(1);
      expect(analyzeText('😀'.repeat(36)).segments).to.equal(2);
    });

    it('moves a surrogate pair that would straddle unit 67 to the next part', () => {
      const body = `${'ж'.repeat(66)}😀${'ж'.repeat(10)}`;
      const segments = expectConsistent(body);
      expect(payloadsOf(segments).map((p) => p.length / 2)).to.deep.equal([66, 12]);
      expect(partTexts(segments)).to.deep.equal(['ж'.repeat(66), `😀${'ж'.repeat(10)}`]);
    });

    it('keeps a surrogate pair that ends exactly at unit 67 in the first part', () => {
      const body = `${'ж'.repeat(65)}😀${'ж'.repeat(10)}`;
      expect(payloadsOf(expectConsistent(body)).map((p) => p.length / 2)).to.deep.equal([67, 10]);
    });

    it('never splits the pairs of a ZWJ emoji sequence, whatever the offset', () => {
      const family = '👨‍👩‍👧‍👦'; // 4 emoji joined by 3 ZWJ: 11 code units, 7 code points
      expect(analyzeText(family)).to.deep.equal({
        encoding: 'UCS-2',
        segments: 1,
        units: 11,
        characters: 7,
      });
      for (let pad = 60; pad < 67; pad += 1) {
        const body = `${'ж'.repeat(pad)}${family}${family}`;
        const segments = expectConsistent(body);
        for (const text of partTexts(segments)) expect(text).to.not.include('\ufffd');
      }
    });

    it('counts a flag (two regional indicators) as 4 units and 2 characters', () => {
      expect(analyzeText('🇫🇷')).to.deep.include({ units: 4, characters: 2 });
    });
  });

  describe('the concatenation UDH', () => {
    it('is 05 00 03 ref total seq with UDHI set, numbering parts from 1', () => {
      const { segments } = encodeMessage('a'.repeat(400), 0x1234);
      expect(segments).to.have.length(3);
      segments.forEach((segment, index) => {
        expect(segment.esmClass).to.equal(0x40);
        expect([...segment.shortMessage.subarray(0, 6)]).to.deep.equal([
          5,
          0,
          3,
          0x34,
          3,
          index + 1,
        ]);
      });
    });

    it('reads back through parseUdh', () => {
      const { segments } = encodeMessage('ж'.repeat(200), 300);
      expect(parseUdh(segments[2].shortMessage).concat).to.deep.equal({
        reference: 300 & 0xff,
        total: 3,
        sequence: 3,
        referenceBits: 8,
      });
    });
  });

  describe('the 255-part ceiling', () => {
    it('encodes a body of exactly 255 parts', () => {
      expect(encodeMessage('a'.repeat(153 * 255), 0).segments).to.have.length(255);
    });

    it('refuses a body of 256 parts with body_too_long, while analyzeText still counts it', () => {
      const body = 'a'.repeat(153 * 255 + 1);
      expect(analyzeText(body).segments).to.equal(256);
      try {
        encodeMessage(body, 0);
        expect.fail('should have thrown');
      } catch (err) {
        expect(isAppError(err) && err.code).to.equal('body_too_long');
        expect(isAppError(err) && err.status).to.equal(400);
      }
    });
  });
});
