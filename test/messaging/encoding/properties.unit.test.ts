import { expect } from 'chai';
import fc from 'fast-check';
import {
  analyzeText,
  decodeShortMessage,
  encodeMessage,
  parseUdh,
  type EncodedSegment,
} from '../../../src/messaging/encoding/index.js';
import { GSM7_ENCODE } from '../../../src/messaging/encoding/gsm7-alphabet.js';

const gsmChars = [...GSM7_ENCODE.keys()];
const extensionChars = gsmChars.filter((c) => GSM7_ENCODE.get(c)!.length === 2);

/**
 * Strings of `unit`s whose length is spread over 0..maxUnits, or sits right at a part
 * boundary. (fc.string's default size keeps strings around 10 units, too short to
 * reach a second part.)
 */
function textOf(unit: fc.Arbitrary<string>, maxUnits: number): fc.Arbitrary<string> {
  const boundaries = [67, 70, 134, 153, 160, 201, 306, 459].filter((b) => b < maxUnits);
  const length = fc.oneof(
    fc.integer({ min: 0, max: maxUnits }),
    fc.constantFrom(...boundaries).chain((b) => fc.integer({ min: b - 3, max: b + 3 })),
  );
  return length.chain((n) => fc.array(unit, { minLength: n, maxLength: n }).map((a) => a.join('')));
}

const gsmText = textOf(fc.constantFrom(...gsmChars), 700);
/** GSM text dense in escape pairs, so they land on part boundaries often. */
const escapeHeavyText = textOf(
  fc.oneof(fc.constantFrom(...extensionChars), fc.constantFrom('a', 'Z', ' ')),
  700,
);
/** Mostly GSM, sometimes emoji or Cyrillic, so UCS-2 boundaries meet surrogate pairs. */
const mixedText = textOf(
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...gsmChars) },
    { weight: 2, arbitrary: fc.constantFrom('😀', '👍🏽', '👨‍👩‍👧', '🇫🇷', 'ж', '中') },
  ),
  400,
);
const anyText = textOf(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), 400);
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u));
const brokenText = textOf(fc.oneof(fc.constantFrom('a', 'ж', '😀'), loneSurrogate), 200);

function wellFormed(text: string): string {
  return text.replace(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    '\ufffd',
  );
}

function split(segments: EncodedSegment[]): Array<{ payload: Buffer; udhOctets: number }> {
  return segments.map((segment) => {
    if ((segment.esmClass & 0x40) === 0) return { payload: segment.shortMessage, udhOctets: 0 };
    const { payload } = parseUdh(segment.shortMessage);
    return { payload, udhOctets: segment.shortMessage.length - payload.length };
  });
}

function decodeJoined(segments: EncodedSegment[]): string {
  const joined = Buffer.concat(split(segments).map((s) => s.payload));
  return decodeShortMessage(segments[0].dataCoding, joined);
}

function decodeEachPart(segments: EncodedSegment[]): string {
  return split(segments)
    .map((s, i) => decodeShortMessage(segments[i].dataCoding, s.payload))
    .join('');
}

/** Every part fits 140 octets of user data: 160 septets (UDH padded to septets) or 140 octets. */
function expectPartsFit(segments: EncodedSegment[]): void {
  for (const { payload, udhOctets } of split(segments)) {
    if (segments[0].dataCoding === 0) {
      expect(Math.ceil((udhOctets * 8) / 7) + payload.length).to.be.at.most(160);
    } else {
      expect(udhOctets + payload.length).to.be.at.most(140);
    }
  }
}

function expectCountsAgree(body: string, reference: number): EncodedSegment[] {
  const { encoding, segments } = encodeMessage(body, reference);
  const analysis = analyzeText(body);
  expect(analysis.segments).to.equal(segments.length);
  expect(analysis.encoding).to.equal(encoding);
  return segments;
}

describe('encoding properties', () => {
  it('round-trips any GSM text, joined or part by part, as GSM-7', () => {
    fc.assert(
      fc.property(fc.oneof(gsmText, escapeHeavyText), (body) => {
        const segments = expectCountsAgree(body, 1);
        expect(segments[0].dataCoding).to.equal(0);
        expect(decodeJoined(segments)).to.equal(body);
        expect(decodeEachPart(segments)).to.equal(body);
      }),
    );
  });

  it('round-trips any well-formed string, joined or part by part', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, mixedText), (body) => {
        const segments = expectCountsAgree(body, 2);
        expect(decodeJoined(segments)).to.equal(body);
        expect(decodeEachPart(segments)).to.equal(body);
      }),
    );
  });

  it('decodes a string with lone surrogates to its well-formed form, counts still agreeing', () => {
    fc.assert(
      fc.property(brokenText, (body) => {
        const segments = expectCountsAgree(body, 3);
        expect(decodeJoined(segments)).to.equal(wellFormed(body));
      }),
    );
  });

  it('fits every part in 160 septets or 140 octets, UDH included', () => {
    fc.assert(
      fc.property(fc.oneof(gsmText, escapeHeavyText, mixedText, anyText), (body) => {
        expectPartsFit(encodeMessage(body, 4).segments);
      }),
    );
  });

  it('never ends a part on an ESC or a high surrogate', () => {
    fc.assert(
      fc.property(fc.oneof(escapeHeavyText, mixedText), (body) => {
        const { segments } = encodeMessage(body, 5);
        for (const { payload } of split(segments)) {
          if (payload.length === 0) continue;
          if (segments[0].dataCoding === 0) {
            const escapes = payload.reduce((run, septet) => (septet === 0x1b ? run + 1 : 0), 0);
            expect(escapes % 2, 'a part ends inside an escape').to.equal(0);
          } else {
            const last = payload.readUInt16BE(payload.length - 2);
            expect(last >= 0xd800 && last <= 0xdbff, 'a part ends on a high surrogate').to.equal(
              false,
            );
          }
        }
      }),
    );
  });

  it('numbers the parts 1..n with reference & 0xFF, and sends one part without UDH', () => {
    fc.assert(
      fc.property(mixedText, fc.integer({ min: 0, max: 0xffff }), (body, reference) => {
        const { segments } = encodeMessage(body, reference);
        if (segments.length === 1) {
          expect(segments[0].esmClass).to.equal(0);
          return;
        }
        segments.forEach((segment, index) => {
          expect(segment.esmClass).to.equal(0x40);
          expect(parseUdh(segment.shortMessage).concat).to.deep.equal({
            reference: reference & 0xff,
            total: segments.length,
            sequence: index + 1,
            referenceBits: 8,
          });
        });
      }),
    );
  });

  it('reports units and characters consistent with the text', () => {
    fc.assert(
      fc.property(fc.oneof(gsmText, mixedText), (body) => {
        const analysis = analyzeText(body);
        expect(analysis.characters).to.equal([...body].length);
        if (analysis.encoding === 'UCS-2') expect(analysis.units).to.equal(body.length);
        else
          expect(analysis.units).to.equal(
            [...body].reduce((n, c) => n + GSM7_ENCODE.get(c)!.length, 0),
          );
      }),
    );
  });
});
