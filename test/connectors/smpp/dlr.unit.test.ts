import { expect } from 'chai';
import fc from 'fast-check';
import { isDeliveryReceipt, parseDeliveryReceipt } from '../../../src/connectors/smpp/dlr.js';

const utc = (iso: string) => new Date(`${iso}Z`);
const fromText = (text: string) => parseDeliveryReceipt({ text, tlvs: {} });

describe('isDeliveryReceipt', () => {
  it('accepts an SMSC delivery receipt (0x04) and an intermediate notification (0x20)', () => {
    expect(isDeliveryReceipt(0x04)).to.equal(true);
    expect(isDeliveryReceipt(0x20)).to.equal(true);
  });

  it('ignores the mode and GSM feature bits around the message type', () => {
    expect(isDeliveryReceipt(0x44)).to.equal(true); // UDHI + receipt
    expect(isDeliveryReceipt(0x07)).to.equal(true); // mode bits + receipt
    expect(isDeliveryReceipt(0xa0)).to.equal(true); // reply path + intermediate
  });

  it('rejects MO messages and SME acknowledgements', () => {
    for (const esmClass of [0x00, 0x40, 0x80, 0x08, 0x10, 0x18, 0x24, 0x3c]) {
      expect(isDeliveryReceipt(esmClass), `0x${esmClass.toString(16)}`).to.equal(false);
    }
  });
});

describe('parseDeliveryReceipt', () => {
  describe('the SMPP 3.4 Appendix B format', () => {
    it('reads every field', () => {
      const text =
        'id:0123456789 sub:001 dlvrd:001 submit date:2601011200 done date:2601011205 stat:DELIVRD err:000 text:Hello world';
      expect(fromText(text)).to.deep.equal({
        messageId: '0123456789',
        state: 'DELIVRD',
        outcome: 'delivered',
        errorCode: '000',
        submittedAt: utc('2026-01-01T12:00:00'),
        doneAt: utc('2026-01-01T12:05:00'),
        delivered: 1,
        submitted: 1,
      });
    });

    it('stops a value at a control character: a NUL after stat:DELIVRD still reads DELIVRD', () => {
      const receipt = fromText('id:77 stat:DELIVRD\0 err:000');
      expect(receipt).to.include({ messageId: '77', state: 'DELIVRD', outcome: 'delivered' });
    });

    it('reads a receipted_message_id TLV the codec ran past its end up to the control octet', () => {
      const receipt = parseDeliveryReceipt({
        text: 'id:1059 stat:DELIVRD',
        tlvs: { receipted_message_id: "1059\x04'", message_state: 2 },
      });
      expect(receipt?.messageId).to.equal('1059');
    });

    it('reads dates with seconds', () => {
      const receipt = fromText('id:1 submit date:260101120030 done date:260102235959 stat:DELIVRD');
      expect(receipt?.submittedAt).to.deep.equal(utc('2026-01-01T12:00:30'));
      expect(receipt?.doneAt).to.deep.equal(utc('2026-01-02T23:59:59'));
    });

    it('gives null for an impossible date rather than a rolled-over one', () => {
      const receipt = fromText('id:1 submit date:2613011200 done date:2602301200 stat:DELIVRD');
      expect(receipt?.submittedAt).to.equal(null);
      expect(receipt?.doneAt).to.equal(null);
      expect(fromText('id:1 submit date:2601012460 stat:DELIVRD')?.submittedAt).to.equal(null);
      expect(fromText('id:1 submit date:26010112 stat:DELIVRD')?.submittedAt).to.equal(null);
    });
  });

  describe('states', () => {
    const cases: Array<[string, string, string]> = [
      ['DELIVRD', 'DELIVRD', 'delivered'],
      ['UNDELIV', 'UNDELIV', 'undelivered'],
      ['EXPIRED', 'EXPIRED', 'undelivered'],
      ['DELETED', 'DELETED', 'undelivered'],
      ['REJECTD', 'REJECTD', 'failed'],
      ['UNKNOWN', 'UNKNOWN', 'failed'],
      ['ACCEPTD', 'ACCEPTD', 'pending'],
      ['ENROUTE', 'ENROUTE', 'pending'],
      ['SKIPPED', 'SKIPPED', 'undelivered'],
      ['DELIVERED', 'DELIVRD', 'delivered'],
      ['UNDELIVERABLE', 'UNDELIV', 'undelivered'],
      ['REJECTED', 'REJECTD', 'failed'],
      ['ACCEPTED', 'ACCEPTD', 'pending'],
      ['delivrd', 'DELIVRD', 'delivered'],
    ];
    for (const [stat, state, outcome] of cases) {
      it(`maps stat:${stat} to ${outcome}`, () => {
        expect(fromText(`id:9 stat:${stat} err:0`)).to.deep.include({ state, outcome });
      });
    }

    it('keeps an unrecognised stat as given and leaves the outcome pending', () => {
      expect(fromText('id:9 stat:Frobbed')).to.deep.include({
        state: 'FROBBED',
        outcome: 'pending',
      });
    });

    it('gives an empty state and a pending outcome when there is no state anywhere', () => {
      expect(fromText('id:9 err:0')).to.deep.include({ state: '', outcome: 'pending' });
    });
  });

  describe('tolerance', () => {
    it('reads keys in any case and any order, with extra spaces', () => {
      const receipt = fromText(
        '  STAT:UNDELIV   Err: 21  ID: ab12  DONE DATE:2601011205 Sub:1 DLVRD:0  ',
      );
      expect(receipt).to.deep.include({
        messageId: 'ab12',
        state: 'UNDELIV',
        outcome: 'undelivered',
        errorCode: '21',
        doneAt: utc('2026-01-01T12:05:00'),
        submittedAt: null,
        delivered: 0,
        submitted: 1,
      });
    });

    it('accepts 1 to 4 digit error codes as given', () => {
      for (const err of ['0', '01', '001', '1234']) {
        expect(fromText(`id:1 stat:UNDELIV err:${err}`)?.errorCode).to.equal(err);
      }
    });

    it('accepts submit_date and done_date spelt with underscores', () => {
      const receipt = fromText('id:1 submit_date:2601011200 done_date:2601011201 stat:DELIVRD');
      expect(receipt?.submittedAt).to.deep.equal(utc('2026-01-01T12:00:00'));
      expect(receipt?.doneAt).to.deep.equal(utc('2026-01-01T12:01:00'));
    });

    it('keeps the fields written before text: over the same names inside the text', () => {
      const receipt = fromText('id:77 stat:DELIVRD err:000 text:stat:UNDELIV id:999 err:5');
      expect(receipt).to.deep.include({ messageId: '77', state: 'DELIVRD', errorCode: '000' });
    });

    it('reads the fields written after text:, the text running to the next field name', () => {
      const receipt = fromText('id:4411 sub:001 dlvrd:001 text:Hello there stat:DELIVRD err:000');
      expect(receipt).to.deep.include({
        messageId: '4411',
        state: 'DELIVRD',
        outcome: 'delivered',
        errorCode: '000',
        delivered: 1,
        submitted: 1,
      });
    });

    it('finds the id written after text:', () => {
      expect(fromText('text:Hello id:4412 stat:DELIVRD')).to.deep.include({
        messageId: '4412',
        outcome: 'delivered',
      });
    });

    it('reads comma-separated fields', () => {
      expect(fromText('id:5,stat:DELIVRD,err:0')).to.deep.include({
        messageId: '5',
        state: 'DELIVRD',
        errorCode: '0',
      });
    });

    it('leaves missing fields null', () => {
      expect(fromText('id:abc')).to.deep.equal({
        messageId: 'abc',
        state: '',
        outcome: 'pending',
        errorCode: null,
        submittedAt: null,
        doneAt: null,
        delivered: null,
        submitted: null,
      });
    });

    it('does not mistake a key embedded in another word for a field', () => {
      expect(fromText('msgid:1 id:2 stat:DELIVRD')?.messageId).to.equal('2');
    });

    it('never throws on arbitrary text', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 200 }), (text) => {
          parseDeliveryReceipt({ text, tlvs: {} });
        }),
      );
    });
  });

  describe('TLVs', () => {
    it('parses a data_sm receipt that has only TLVs', () => {
      expect(
        parseDeliveryReceipt({ text: '', tlvs: { receipted_message_id: 'abc', message_state: 2 } }),
      ).to.deep.include({
        messageId: 'abc',
        state: 'DELIVRD',
        outcome: 'delivered',
      });
    });

    it('prefers the TLVs over the text', () => {
      const receipt = parseDeliveryReceipt({
        text: 'id:111 stat:DELIVRD err:000',
        tlvs: {
          receipted_message_id: '222',
          message_state: 5,
          network_error_code: Buffer.from([0x03, 0x00, 0x01]),
        },
      });
      expect(receipt).to.deep.include({
        messageId: '222',
        state: 'UNDELIV',
        outcome: 'undelivered',
        errorCode: '001',
      });
    });

    it('maps every message_state value', () => {
      const expected = [
        'ENROUTE',
        'DELIVRD',
        'EXPIRED',
        'DELETED',
        'UNDELIV',
        'ACCEPTD',
        'UNKNOWN',
        'REJECTD',
        'SKIPPED',
      ];
      expected.forEach((state, index) => {
        const receipt = parseDeliveryReceipt({
          text: '',
          tlvs: { receipted_message_id: 'x', message_state: index + 1 },
        });
        expect(receipt?.state).to.equal(state);
      });
    });

    it('falls back to the text when message_state is out of range', () => {
      expect(
        parseDeliveryReceipt({
          text: 'stat:EXPIRED',
          tlvs: { receipted_message_id: 'x', message_state: 0 },
        })?.state,
      ).to.equal('EXPIRED');
    });

    it('falls back to the text id when receipted_message_id is empty', () => {
      expect(
        parseDeliveryReceipt({ text: 'id:42 stat:DELIVRD', tlvs: { receipted_message_id: ' \0' } })
          ?.messageId,
      ).to.equal('42');
    });

    it('reads network_error_code as a buffer, a number or a digit string', () => {
      const codeOf = (value: unknown) =>
        parseDeliveryReceipt({ text: 'id:1 err:999', tlvs: { network_error_code: value } })
          ?.errorCode;
      expect(codeOf(Buffer.from([0x03, 0x04, 0x01]))).to.equal('1025');
      expect(codeOf(Buffer.from([0x00, 0x22]))).to.equal('034');
      expect(codeOf(27)).to.equal('027');
      expect(codeOf('0011')).to.equal('0011');
      expect(codeOf(Buffer.from([0x03]))).to.equal('999');
      expect(codeOf({ weird: true })).to.equal('999');
    });

    it('returns null when no message id can be found anywhere', () => {
      expect(
        parseDeliveryReceipt({ text: 'stat:DELIVRD err:000', tlvs: { message_state: 2 } }),
      ).to.equal(null);
      expect(parseDeliveryReceipt({ text: '', tlvs: {} })).to.equal(null);
    });
  });

  describe('real receipts', () => {
    it('reads a Jasmin deliver_sm receipt (UUID id, TLVs, no sub/dlvrd/text)', () => {
      const id = '16fd2706-8baf-433b-82eb-8c7fada847da';
      const receipt = parseDeliveryReceipt({
        text: `id:${id} submit date:2601011200 done date:2601011201 stat:DELIVRD err:000`,
        tlvs: { receipted_message_id: id, message_state: 2 },
      });
      expect(receipt).to.deep.equal({
        messageId: id,
        state: 'DELIVRD',
        outcome: 'delivered',
        errorCode: '000',
        submittedAt: utc('2026-01-01T12:00:00'),
        doneAt: utc('2026-01-01T12:01:00'),
        delivered: null,
        submitted: null,
      });
    });

    it('reads a Jasmin level-1 receipt for an accepted submit (ACCEPTD, message_state 6) as pending', () => {
      const receipt = parseDeliveryReceipt({
        text: 'id:0bd2d0c2-4c39-4a4c-8e1f-2a3b4c5d6e7f submit date:2601011200 done date:2601011200 stat:ACCEPTD err:000',
        tlvs: { receipted_message_id: '0bd2d0c2-4c39-4a4c-8e1f-2a3b4c5d6e7f', message_state: 6 },
      });
      expect(receipt).to.deep.include({ state: 'ACCEPTD', outcome: 'pending' });
    });

    it('reads a Logica-style receipt with a hex id, short counts and "Text:"', () => {
      const receipt = fromText(
        'id:c449ab9744f47b6af1879e49e75e4f40 sub:001 dlvrd:0 submit date:0610191018 done date:0610191018 stat:ACCEPTD err:0 Text:This is an Acti',
      );
      expect(receipt).to.deep.include({
        messageId: 'c449ab9744f47b6af1879e49e75e4f40',
        state: 'ACCEPTD',
        outcome: 'pending',
        errorCode: '0',
        delivered: 0,
        submitted: 1,
        submittedAt: utc('2006-10-19T10:18:00'),
      });
    });

    it('reads a Kannel-relayed rejection with a 3-digit err and padded decimal id', () => {
      const receipt = fromText(
        'id:0000123456 sub:001 dlvrd:000 submit date:2512312359 done date:2601010000 stat:REJECTD err:011 text:Your code is 1',
      );
      expect(receipt).to.deep.include({
        messageId: '0000123456',
        outcome: 'failed',
        errorCode: '011',
      });
      expect(receipt?.doneAt).to.deep.equal(utc('2026-01-01T00:00:00'));
    });
  });
});
