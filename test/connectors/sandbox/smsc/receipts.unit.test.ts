import { expect } from 'chai';
import {
  formatReceiptDate,
  formatReceiptText,
  wantsReceipt,
} from '../../../../src/connectors/sandbox/smsc/receipts.js';

describe('formatReceiptText', () => {
  const submittedAt = new Date('2026-03-04T05:06:07Z');
  const doneAt = new Date('2026-03-04T05:07:00Z');

  it('writes the SMPP Appendix B receipt for a delivered part', () => {
    expect(
      formatReceiptText({
        messageId: 'abc123',
        stat: 'DELIVRD',
        submittedAt,
        doneAt,
        text: 'Hello',
      }),
    ).to.equal(
      'id:abc123 sub:001 dlvrd:001 submit date:2603040506 done date:2603040507 stat:DELIVRD err:000 text:Hello',
    );
  });

  it('counts nothing delivered for UNDELIV and quotes 20 printable characters', () => {
    const text = formatReceiptText({
      messageId: '1',
      stat: 'UNDELIV',
      submittedAt,
      doneAt,
      text: 'Привет, this text is longer than twenty',
    });
    expect(text).to.contain('dlvrd:000').and.contain('stat:UNDELIV err:001');
    expect(text).to.match(/text:\?{6}, this text is$/);
  });
});

describe('formatReceiptDate', () => {
  it('writes YYMMDDhhmm in UTC', () => {
    expect(formatReceiptDate(new Date('2031-12-09T23:59:59Z'))).to.equal('3112092359');
  });
});

describe('wantsReceipt', () => {
  it('sends every final receipt for registered_delivery 1', () => {
    expect(wantsReceipt(1, 'DELIVRD')).to.equal(true);
    expect(wantsReceipt(1, 'UNDELIV')).to.equal(true);
  });

  it('sends failure receipts only for registered_delivery 2, none for 0', () => {
    expect(wantsReceipt(2, 'DELIVRD')).to.equal(false);
    expect(wantsReceipt(2, 'UNDELIV')).to.equal(true);
    expect(wantsReceipt(0, 'UNDELIV')).to.equal(false);
  });
});
