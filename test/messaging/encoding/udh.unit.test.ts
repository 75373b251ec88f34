import { expect } from 'chai';
import fc from 'fast-check';
import { parseUdh } from '../../../src/messaging/encoding/index.js';

const bytes = (...values: number[]) => Buffer.from(values);

describe('parseUdh', () => {
  it('reads the 8-bit reference element (IEI 0x00)', () => {
    const result = parseUdh(bytes(0x05, 0x00, 0x03, 0xab, 0x03, 0x02, 0x41, 0x42));
    expect(result.concat).to.deep.equal({
      reference: 0xab,
      total: 3,
      sequence: 2,
      referenceBits: 8,
    });
    expect([...result.payload]).to.deep.equal([0x41, 0x42]);
  });

  it('reads the 16-bit reference element (IEI 0x08)', () => {
    const result = parseUdh(bytes(0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x01, 0x61));
    expect(result.concat).to.deep.equal({
      reference: 0x1234,
      total: 2,
      sequence: 1,
      referenceBits: 16,
    });
    expect([...result.payload]).to.deep.equal([0x61]);
  });

  it('skips other elements before and after the concatenation element', () => {
    // application port addressing 16-bit (0x05, 4 octets), then concat, then a national
    // language single shift (0x24, 1 octet)
    const udh = [
      0x0e, 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0, 0x00, 0x03, 0x07, 0x02, 0x02, 0x24, 0x01, 0x02,
    ];
    const result = parseUdh(bytes(...udh, 0x68, 0x69));
    expect(result.concat).to.deep.equal({ reference: 7, total: 2, sequence: 2, referenceBits: 8 });
    expect([...result.payload]).to.deep.equal([0x68, 0x69]);
  });

  it('returns the payload with no concat when the UDH holds no concatenation element', () => {
    const result = parseUdh(bytes(0x03, 0x24, 0x01, 0x02, 0x61));
    expect(result).to.not.have.property('concat');
    expect([...result.payload]).to.deep.equal([0x61]);
  });

  it('uses the last concatenation element when it repeats', () => {
    const result = parseUdh(
      bytes(0x0a, 0x00, 0x03, 0x01, 0x02, 0x01, 0x00, 0x03, 0x09, 0x04, 0x03),
    );
    expect(result.concat).to.deep.equal({ reference: 9, total: 4, sequence: 3, referenceBits: 8 });
    expect(result.payload).to.have.length(0);
  });

  describe('elements the spec says to ignore', () => {
    it('ignores a total of zero', () => {
      expect(parseUdh(bytes(0x05, 0x00, 0x03, 0x01, 0x00, 0x01, 0x61)).concat).to.equal(undefined);
    });

    it('ignores a sequence of zero', () => {
      expect(parseUdh(bytes(0x05, 0x00, 0x03, 0x01, 0x02, 0x00, 0x61)).concat).to.equal(undefined);
    });

    it('ignores a sequence beyond the total', () => {
      expect(parseUdh(bytes(0x05, 0x00, 0x03, 0x01, 0x02, 0x03, 0x61)).concat).to.equal(undefined);
    });

    it('ignores a concatenation element of the wrong length', () => {
      const result = parseUdh(bytes(0x06, 0x00, 0x04, 0x01, 0x02, 0x01, 0x00, 0x61));
      expect(result.concat).to.equal(undefined);
      expect([...result.payload]).to.deep.equal([0x61]);
    });
  });

  describe('a malformed UDH', () => {
    it('returns the whole buffer when the header length runs past the buffer', () => {
      const message = bytes(0x09, 0x00, 0x03, 0x01, 0x02, 0x01);
      const result = parseUdh(message);
      expect(result.concat).to.equal(undefined);
      expect(result.payload.equals(message)).to.equal(true);
    });

    it('returns an empty payload for an empty buffer', () => {
      expect(parseUdh(Buffer.alloc(0))).to.deep.equal({ payload: Buffer.alloc(0) });
    });

    it('drops the concat info when an element runs past the header, keeping the payload after it', () => {
      const broken = parseUdh(bytes(0x04, 0x00, 0x05, 0x01, 0x02, 0x61));
      expect(broken.concat).to.equal(undefined);
      expect([...broken.payload]).to.deep.equal([0x61]);
    });

    it('treats a header length of zero as an empty header', () => {
      const result = parseUdh(bytes(0x00, 0x61));
      expect(result.concat).to.equal(undefined);
      expect([...result.payload]).to.deep.equal([0x61]);
    });

    it('never throws and never returns a longer payload, whatever the octets', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 40 }), (array) => {
          const message = Buffer.from(array);
          const { concat, payload } = parseUdh(message);
          expect(payload.length).to.be.at.most(message.length);
          if (concat) {
            expect(concat.sequence).to.be.within(1, concat.total);
          }
        }),
      );
    });
  });
});
