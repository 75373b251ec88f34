import { expect } from 'chai';
import { decodeShortMessage } from '../../../src/messaging/encoding/index.js';

const bytes = (...values: number[]) => Buffer.from(values);

describe('decodeShortMessage', () => {
  describe('data_coding 0 (GSM-7, unpacked)', () => {
    it('decodes basic septets', () => {
      expect(decodeShortMessage(0, bytes(0x48, 0x69, 0x00, 0x02, 0x24, 0x40, 0x11))).to.equal(
        'Hi@$¤¡_',
      );
    });

    it('decodes escape pairs through the extension table', () => {
      expect(decodeShortMessage(0, bytes(0x1b, 0x65, 0x31, 0x1b, 0x28, 0x1b, 0x29))).to.equal(
        '€1{}',
      );
    });

    it('falls back to the basic-table character for an undefined escape, as TS 23.038 says', () => {
      expect(decodeShortMessage(0, bytes(0x1b, 0x41, 0x1b, 0x61))).to.equal('Aa');
      expect(decodeShortMessage(0, bytes(0x1b, 0x0d))).to.equal('\r');
    });

    it('shows ESC ESC (reserved for another extension table) as a space', () => {
      expect(decodeShortMessage(0, bytes(0x61, 0x1b, 0x1b, 0x62))).to.equal('a b');
    });

    it('drops a trailing lone ESC', () => {
      expect(decodeShortMessage(0, bytes(0x61, 0x1b))).to.equal('a');
      expect(decodeShortMessage(0, bytes(0x1b))).to.equal('');
    });

    it('reads a payload with bit 7 set as Latin-1, the default alphabet of SMSCs that send one', () => {
      expect(decodeShortMessage(0, Buffer.from('café ñ', 'latin1'))).to.equal('café ñ');
    });

    it('decodes an empty payload to an empty string', () => {
      expect(decodeShortMessage(0, Buffer.alloc(0))).to.equal('');
    });
  });

  describe('data_coding 1 (IA5/ASCII)', () => {
    it('decodes ASCII, including characters GSM-7 places elsewhere', () => {
      expect(decodeShortMessage(1, Buffer.from('a@$_`{}', 'ascii'))).to.equal('a@$_`{}');
    });
  });

  describe('data_coding 3 (Latin-1)', () => {
    it('decodes ISO-8859-1', () => {
      expect(decodeShortMessage(3, bytes(0x63, 0x61, 0x66, 0xe9, 0xa3))).to.equal('café£');
    });
  });

  describe('data_coding 8 (UCS-2)', () => {
    it('decodes big-endian code units, including surrogate pairs', () => {
      expect(decodeShortMessage(8, bytes(0x04, 0x16, 0xd8, 0x3d, 0xde, 0x00))).to.equal('Ж😀');
    });

    it('ignores an odd trailing octet', () => {
      expect(decodeShortMessage(8, bytes(0x00, 0x61, 0x00))).to.equal('a');
    });

    it('replaces a lone surrogate with U+FFFD', () => {
      expect(decodeShortMessage(8, bytes(0xd8, 0x3d, 0x00, 0x61))).to.equal('\ufffda');
      expect(decodeShortMessage(8, bytes(0x00, 0x61, 0xde, 0x00))).to.equal('a\ufffd');
      expect(decodeShortMessage(8, bytes(0xd8, 0x3d))).to.equal('\ufffd');
    });
  });

  describe('3GPP data coding schemes passed through by SMSCs', () => {
    it('decodes flash SMS 0xF0 as GSM-7 and 0xF4 (8-bit) as Latin-1', () => {
      expect(decodeShortMessage(0xf0, bytes(0x1b, 0x65))).to.equal('€');
      expect(decodeShortMessage(0xf4, bytes(0xe9))).to.equal('é');
    });

    it('decodes the general group with a class by its alphabet bits (0x10 GSM-7, 0x18 UCS-2)', () => {
      expect(decodeShortMessage(0x10, bytes(0x00))).to.equal('@');
      expect(decodeShortMessage(0x18, bytes(0x04, 0x16))).to.equal('Ж');
      expect(decodeShortMessage(0x14, bytes(0x40))).to.equal('@');
    });

    it('decodes the automatic-deletion group 0x40–0x5F by its alphabet bits (0x48 UCS-2, 0x40 GSM-7)', () => {
      expect(decodeShortMessage(0x48, bytes(0x04, 0x16))).to.equal('Ж');
      expect(decodeShortMessage(0x40, bytes(0x00))).to.equal('@');
      expect(decodeShortMessage(0x59, bytes(0x04, 0x16))).to.equal('Ж');
    });

    it('decodes message waiting groups 0xC0–0xDF as GSM-7 and 0xE0–0xEF as UCS-2', () => {
      expect(decodeShortMessage(0xc8, bytes(0x00))).to.equal('@');
      expect(decodeShortMessage(0xe0, bytes(0x00, 0x40))).to.equal('@');
    });
  });

  describe('any other data_coding', () => {
    for (const dataCoding of [2, 4, 5, 6, 7, 9, 10, 13, 14, 0x20, 0x44, 0x60, 0x99]) {
      it(`decodes ${dataCoding} as Latin-1, one character per octet, octets recoverable`, () => {
        const octets = bytes(0x00, 0x41, 0x7f, 0x80, 0xc0, 0xff);
        const text = decodeShortMessage(dataCoding, octets);
        expect(text).to.have.length(octets.length);
        expect(Buffer.from(text, 'latin1').equals(octets)).to.equal(true);
      });
    }
  });
});
